import type { PieceRule, TokenCounter } from "./types.js";

export type { PieceRule };

/**
 * Counting many short texts that share pieces (KeyChain pairs: ids made of a few hex fragments, questions
 * made of common words, the chat template's turns around a question) by pre-token: a byte-level BPE tokenizer
 * whose pre-tokenizer is one regex `Split` encodes each pre-token on its own, so a text's count is the sum of
 * its pre-tokens' counts. Each distinct pre-token is counted once by the real tokenizer and remembered. Added
 * tokens such as `<|im_start|>` are split out first, as the tokenizer does (longest first), and are pieces of
 * their own. Texts where JavaScript's regex could split differently from the Rust one (characters whose `\s`
 * class differs, text that NFC would change) are counted directly.
 */
export class PieceMemo {
  private readonly memo = new Map<string, number>();
  private readonly split: RegExp;
  private readonly added: RegExp | undefined;
  private readonly hasAdded: RegExp | undefined;

  constructor(
    private readonly base: Pick<TokenCounter, "countBatch">,
    readonly rule: PieceRule,
  ) {
    this.split = new RegExp(rule.pattern, "gu");
    const escaped = [...new Set(rule.addedTokens)]
      .filter((a) => a !== "")
      .sort((a, b) => b.length - a.length)
      .map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    this.added = escaped.length > 0 ? new RegExp(escaped.join("|"), "gu") : undefined;
    this.hasAdded = escaped.length > 0 ? new RegExp(escaped.join("|"), "u") : undefined;
  }

  async countBatch(texts: readonly string[]): Promise<number[]> {
    if (this.memo.size > 2_000_000) this.memo.clear();
    const pieces = texts.map((t) => this.piecesOf(t));
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

  /** The pieces of `text` (added tokens and pre-tokens), or undefined when it must be counted directly. */
  private piecesOf(text: string): string[] | undefined {
    const added = this.added;
    if (!added || !this.hasAdded?.test(text)) return this.preTokens(text);
    if (!this.rule.plainAdded) return undefined;
    const out: string[] = [];
    let last = 0;
    for (const m of text.matchAll(added)) {
      const part = this.preTokens(text.slice(last, m.index));
      if (!part) return undefined;
      out.push(...part, m[0]);
      last = m.index + m[0].length;
    }
    const tail = this.preTokens(text.slice(last));
    if (!tail) return undefined;
    out.push(...tail);
    return out;
  }

  /** The pre-tokens of a text without added tokens, or undefined when JavaScript could split it otherwise. */
  private preTokens(text: string): string[] | undefined {
    // ASCII text is its own NFC form and has none of the characters whose \s membership differs.
    if (/[^\p{ASCII}]/u.test(text)) {
      if (/[\u0085\ufeff\u180e]/u.test(text)) return undefined;
      if (this.rule.nfc && text.normalize("NFC") !== text) return undefined;
    }
    return text.match(this.split) ?? [];
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
