import type { TokenCounter } from "./types.js";

/**
 * Counting many short texts that share pieces (KeyChain pairs: ids made of a few hex fragments, questions
 * made of common words) by pre-token: a byte-level BPE tokenizer whose pre-tokenizer is one regex `Split`
 * encodes each pre-token on its own, so a text's count is the sum of its pre-tokens' counts. Each distinct
 * pre-token is counted once by the real tokenizer and remembered. Texts where JavaScript's regex could split
 * differently from the Rust one (characters whose `\s` class differs, text that NFC would change, added
 * tokens such as `<|im_start|>`) are counted directly.
 */
export class PieceMemo {
  private readonly memo = new Map<string, number>();
  private readonly added: RegExp | undefined;

  constructor(
    private readonly base: Pick<TokenCounter, "countBatch">,
    private readonly split: RegExp,
    addedTokens: readonly string[],
    private readonly nfc: boolean,
  ) {
    const escaped = addedTokens.filter((a) => a !== "").map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.added = escaped.length > 0 ? new RegExp(escaped.join("|"), "u") : undefined;
  }

  async countBatch(texts: readonly string[]): Promise<number[]> {
    if (this.memo.size > 2_000_000) this.memo.clear();
    const pieces: (string[] | undefined)[] = texts.map((t) =>
      this.safe(t) ? (t.match(this.split) ?? []) : undefined,
    );
    const missing = new Set<string>();
    for (const ps of pieces) if (ps) for (const p of ps) if (!this.memo.has(p)) missing.add(p);
    const direct = texts.flatMap((t, i) => (pieces[i] ? [] : [t]));
    const list = [...missing];
    const [counted, directCounts] = await Promise.all([
      list.length > 0 ? this.base.countBatch(list) : Promise.resolve([]),
      direct.length > 0 ? this.base.countBatch(direct) : Promise.resolve([]),
    ]);
    for (const [i, p] of list.entries()) this.memo.set(p, counted[i] as number);
    let d = 0;
    return pieces.map((ps) => {
      if (!ps) return directCounts[d++] as number;
      let n = 0;
      for (const p of ps) n += this.memo.get(p) as number;
      return n;
    });
  }

  private safe(text: string): boolean {
    // ASCII text is its own NFC form and has none of the characters whose \s membership differs.
    if (/[^\p{ASCII}]/u.test(text)) {
      if (/[\u0085\ufeff\u180e]/u.test(text)) return false;
      if (this.nfc && text.normalize("NFC") !== text) return false;
    }
    return !this.added?.test(text);
  }
}

/**
 * A JavaScript RegExp (flags `gu`) equivalent to a GPT-style split pattern from a tokenizer.json, or
 * undefined when the pattern uses syntax this translation does not cover. Covered: `(?i:…)` groups of literal
 * alternatives (expanded to character classes, since Node 20 has no inline flags), `\p{…}`, `\s`, lookahead.
 * The pieces must also tile the text (no gaps): callers check the pattern on the tokenizer's own test strings.
 */
export function jsSplitPattern(pattern: string): RegExp | undefined {
  let out = "";
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith("(?i:", i)) {
      const end = pattern.indexOf(")", i);
      if (end < 0) return undefined;
      const body = pattern.slice(i + 4, end);
      if (!/^[A-Za-z'|]+$/.test(body)) return undefined;
      const expanded = body.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
      out += `(?:${expanded})`;
      i = end + 1;
      continue;
    }
    if (
      pattern.startsWith("(?", i) &&
      !pattern.startsWith("(?:", i) &&
      !pattern.startsWith("(?!", i) &&
      !pattern.startsWith("(?=", i)
    )
      return undefined;
    out += pattern[i];
    i++;
  }
  try {
    return new RegExp(out, "gu");
  } catch {
    return undefined;
  }
}
