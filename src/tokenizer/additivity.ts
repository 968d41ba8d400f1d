/**
 * Deciding, from a tokenizer's definition alone, whether it is additive at newline boundaries
 * (see `TokenCounter.newlineAdditive`): `count(a + b) === count(a) + count(b)` whenever `a` ends with
 * `"\n"` and `b` starts with a non-whitespace character.
 *
 * The argument: byte-level BPE merges never cross pre-tokens, so the count is a sum over pre-tokens, and
 * it suffices that the pre-tokens of `a + b` are those of `a` followed by those of `b`. For a GPT-style
 * split regex that holds when no alternative can match `"\n"` followed by more text, and when the
 * trailing whitespace of `a` is claimed by a newline-run alternative (`\s*[\r\n]+`) before the
 * look-ahead alternative `\s+(?!\S)` is tried: in `a` alone that look-ahead sees the end of the text,
 * in `a + b` it sees `b`, and it splits `"\n\n"` differently. GPT-2's pattern (also used by
 * r50k/p50k and by a `ByteLevel` pre-tokenizer with `use_regex: true`) lacks the newline run, so
 * `"x\n\n" + "y"` counts 2 + 1 tokens apart but 4 together: it is not additive. Nor is o200k's: its
 * punctuation alternative ` ?[^\s\p{L}\p{N}]+[\r\n/]*` lets a newline run continue into a `/`, so
 * `"'\n" + "/a"` puts `'\n/` in one pre-token. Recognised as additive: cl100k, Qwen2/3, Llama 3.
 */

/** Verdict with a human reason, for messages and tests. */
export interface AdditivityVerdict {
  additive: boolean;
  reason: string;
}

/** The pattern of the `ByteLevel` pre-tokenizer when `use_regex` is true (GPT-2's). */
export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Alternatives (after `normaliseAlternative`) that cannot match a newline followed by more text. */
const SAFE_ALTERNATIVES = new Set([
  "<C>",
  "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+<C>?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*<C>?",
  " ?\\p{L}+",
  " ?\\p{N}+",
  "\\p{N}",
  "\\p{N}+",
  "\\p{N}{1,3}",
  " ?[^\\s\\p{L}\\p{N}]+",
  " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*",
  "\\s+",
]);
/** Alternatives that claim a whitespace run up to and including its last newline. */
const NEWLINE_RUNS = new Set(["\\s*[\\r\\n]+", "\\s*[\\r\\n]"]);
const WHITESPACE_LOOKAHEAD = "\\s+(?!\\S)";

/**
 * Whether a GPT-style pre-tokenizer regex keeps newline boundaries: every top-level alternative is one
 * of the recognised GPT-2 / cl100k / o200k / Qwen2-3 / Llama-3 forms that cannot match a newline followed
 * by more text, and a newline-run alternative comes before any `\s+(?!\S)`.
 */
export function analysePattern(pattern: string): AdditivityVerdict {
  const alternatives = splitAlternatives(pattern).map(normaliseAlternative);
  let newlineRunSeen = false;
  for (const alternative of alternatives) {
    if (NEWLINE_RUNS.has(alternative)) {
      newlineRunSeen = true;
    } else if (alternative === WHITESPACE_LOOKAHEAD) {
      if (!newlineRunSeen) {
        return {
          additive: false,
          reason: `the pattern tries \`\\s+(?!\\S)\` before any newline run such as \`\\s*[\\r\\n]+\`, so a trailing "\\n\\n" splits differently when text follows`,
        };
      }
    } else if (!SAFE_ALTERNATIVES.has(alternative)) {
      return { additive: false, reason: `the pattern has an unrecognised alternative \`${alternative}\`` };
    }
  }
  if (!newlineRunSeen) {
    return { additive: false, reason: "the pattern has no newline-run alternative such as `\\s*[\\r\\n]+`" };
  }
  return { additive: true, reason: "GPT-style split pattern with a newline-run alternative" };
}

/** Top-level `|` alternatives of a regex source, respecting groups, classes and escapes. */
export function splitAlternatives(pattern: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i++;
    } else if (inClass) {
      if (ch === "]") inClass = false;
    } else if (ch === "[") {
      inClass = true;
    } else if (ch === "(") {
      depth++;
    } else if (ch === ")") {
      depth--;
    } else if (ch === "|" && depth === 0) {
      parts.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(pattern.slice(start));
  return parts;
}

/**
 * Canonical form of one alternative: possessive quantifiers made greedy (`?+` → `?`, `++` → `+`), and
 * contractions written `<C>`: groups such as `(?i:'s|'t|'re)` or `('s|'S|'t)`, and whole alternatives
 * such as `'s` or `'(?i:[sdmt]|ll|ve|re)`.
 */
export function normaliseAlternative(alternative: string): string {
  const greedy = alternative.replace(/(?<!\\)([?*+]|\{\d+(?:,\d*)?\})\+/g, "$1");
  // Only an apostrophe and letters, however grouped: `'s`, `'(?i:[sdmt]|ll|ve|re)`.
  if (/^'[A-Za-z()?:|[\]]*$/.test(greedy)) return "<C>";
  return greedy.replace(/\((?:\?i:)?'[A-Za-z]+(?:\|'[A-Za-z]+)*\)/g, "<C>");
}

/**
 * Whether an HF `tokenizer.json` (parsed) is additive at newline boundaries. True only for a BPE model
 * without dropout, no normalizer or NFC only, a pre-tokenizer `Sequence` that starts with an isolating
 * `Split` on a recognised GPT-style pattern and continues with piece-local steps including `ByteLevel`,
 * and added tokens that can neither span a newline boundary nor strip the whitespace before them.
 */
export function analyseTokenizerJson(json: unknown): AdditivityVerdict {
  if (!isRecord(json)) return { additive: false, reason: "tokenizer.json is not an object" };

  const model = json.model;
  if (!isRecord(model)) return { additive: false, reason: "no model section" };
  const modelType = model.type ?? (Array.isArray(model.merges) ? "BPE" : undefined);
  if (modelType !== "BPE") return { additive: false, reason: `model is ${String(modelType)}, not BPE` };
  if (typeof model.dropout === "number" && model.dropout > 0) {
    return { additive: false, reason: "BPE dropout makes counts random" };
  }

  const normalizer = analyseNormalizer(json.normalizer);
  if (!normalizer.additive) return normalizer;

  const preTokenizer = analysePreTokenizer(json.pre_tokenizer);
  if (!preTokenizer.additive) return preTokenizer;

  const added = analyseAddedTokens(json.added_tokens);
  if (!added.additive) return added;

  return { additive: true, reason: `byte-level BPE; ${preTokenizer.reason}` };
}

function analyseNormalizer(normalizer: unknown): AdditivityVerdict {
  if (normalizer === null || normalizer === undefined) return { additive: true, reason: "no normalizer" };
  if (isRecord(normalizer)) {
    if (normalizer.type === "NFC") return { additive: true, reason: "NFC normalizer" };
    if (
      normalizer.type === "Sequence" &&
      Array.isArray(normalizer.normalizers) &&
      normalizer.normalizers.every((n) => isRecord(n) && n.type === "NFC")
    ) {
      return { additive: true, reason: "NFC normalizer" };
    }
  }
  return { additive: false, reason: `normalizer ${describeStep(normalizer)} is not NFC` };
}

/** Pre-tokenizers that act on each piece alone and so keep a piece boundary a boundary. */
function isPieceLocal(step: unknown): boolean {
  if (!isRecord(step)) return false;
  if (step.type === "ByteLevel") return step.add_prefix_space !== true;
  return step.type === "Digits" || step.type === "Split";
}

function analysePreTokenizer(preTokenizer: unknown): AdditivityVerdict {
  if (!isRecord(preTokenizer)) return { additive: false, reason: "no pre-tokenizer" };
  if (preTokenizer.type === "ByteLevel") {
    if (preTokenizer.use_regex === false) {
      return {
        additive: false,
        reason: "ByteLevel pre-tokenizer without a split regex: nothing stops merges",
      };
    }
    const verdict = analysePattern(GPT2_PATTERN);
    return { additive: false, reason: `ByteLevel pre-tokenizer uses GPT-2's pattern: ${verdict.reason}` };
  }
  if (preTokenizer.type !== "Sequence" || !Array.isArray(preTokenizer.pretokenizers)) {
    return {
      additive: false,
      reason: `pre-tokenizer ${describeStep(preTokenizer)} is not a recognised GPT-style split`,
    };
  }
  const [first, ...rest] = preTokenizer.pretokenizers as unknown[];
  if (
    !isRecord(first) ||
    first.type !== "Split" ||
    first.behavior !== "Isolated" ||
    first.invert === true ||
    !isRecord(first.pattern) ||
    typeof first.pattern.Regex !== "string"
  ) {
    return { additive: false, reason: "pre-tokenizer Sequence does not start with an isolating regex Split" };
  }
  const pattern = analysePattern(first.pattern.Regex);
  if (!pattern.additive) return pattern;
  if (!rest.every(isPieceLocal)) {
    return { additive: false, reason: "pre-tokenizer Sequence has a step that is not piece-local" };
  }
  if (!rest.some((step) => isRecord(step) && step.type === "ByteLevel")) {
    return { additive: false, reason: "pre-tokenizer Sequence has no ByteLevel step" };
  }
  return pattern;
}

function analyseAddedTokens(addedTokens: unknown): AdditivityVerdict {
  if (addedTokens === undefined || addedTokens === null) return { additive: true, reason: "no added tokens" };
  if (!Array.isArray(addedTokens)) return { additive: false, reason: "added_tokens is not an array" };
  for (const token of addedTokens) {
    if (!isRecord(token) || typeof token.content !== "string") {
      return { additive: false, reason: "an added token has no content" };
    }
    if (token.lstrip === true) {
      return {
        additive: false,
        reason: `added token ${JSON.stringify(token.content)} strips the whitespace before it`,
      };
    }
    if (token.single_word === true) {
      return { additive: false, reason: `added token ${JSON.stringify(token.content)} is single_word` };
    }
    if (/[\r\n]\S/u.test(token.content)) {
      return {
        additive: false,
        reason: `added token ${JSON.stringify(token.content)} can span a newline boundary`,
      };
    }
  }
  return { additive: true, reason: "added tokens keep newline boundaries" };
}

function describeStep(step: unknown): string {
  return isRecord(step) && typeof step.type === "string" ? step.type : JSON.stringify(step);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
