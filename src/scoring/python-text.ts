/**
 * The few Python `str` behaviours the original scorers rely on, reproduced exactly so that compat mode
 * gives byte-identical results: `str.strip()`, `str.split()`, `string.punctuation` and the Unicode-aware
 * `\b` of Python's `re`. Internal to the scoring module.
 */

/** The characters for which Python's `str.isspace()` is true (JS `\s` differs: it adds U+FEFF and lacks U+001C–U+001F, U+0085). */
const PY_WS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, "g");
const SPLIT = new RegExp(`[${PY_WS}]+`);

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(STRIP, "");
}

/** Python `s.split()` (no argument): runs of whitespace separate, empty pieces dropped. */
export function pySplit(s: string): string[] {
  return s.split(SPLIT).filter((piece) => piece !== "");
}

/** Python `re.split(r"\n|\.(?:\s|$)", s)[0]`: the text before the first newline or sentence-ending period. */
export function beforeLineOrSentenceEnd(s: string): string {
  const match = new RegExp(`\\n|\\.(?:[${PY_WS}]|$)`).exec(s);
  return match === null ? s : s.slice(0, match.index);
}

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. */
const PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

/** `"".join(ch for ch in s if ch not in string.punctuation)`. */
export function removePunctuation(s: string): string {
  let out = "";
  for (const ch of s) if (!PUNCTUATION.has(ch)) out += ch;
  return out;
}

/**
 * `re.sub(r"\b(a|an|the)\b", " ", s)` with Python 3's Unicode `\b`: a word character is a letter, a
 * number or `_` (JS `\b` is ASCII-only, so "éthe" would lose its "the").
 */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

export function removeArticles(s: string): string {
  return s.replace(ARTICLES, " ");
}

/**
 * Python `round(x, 4)` for a finite `x` in [0, 1]: round half to even on the exact binary value
 * (`0.03125` → `0.0312`, where `Math.round(x * 1e4) / 1e4` gives `0.0313`).
 */
export function pyRound4(x: number): number {
  const exact = x.toFixed(100); // the exact decimal expansion for any x ≥ 2^-48, far below any F1
  const dot = exact.indexOf(".");
  const kept = exact.slice(0, dot + 5);
  const rest = exact.slice(dot + 5);
  const truncated = Number(kept);
  const first = rest.charCodeAt(0) - 48;
  const tail = rest.slice(1);
  const tie = first === 5 && /^0*$/.test(tail);
  const lastDigit = kept.charCodeAt(kept.length - 1) - 48;
  const up = first > 5 || (first === 5 && !tie) || (tie && lastDigit % 2 === 1);
  return up ? Number((truncated + 1e-4).toFixed(4)) : truncated;
}
