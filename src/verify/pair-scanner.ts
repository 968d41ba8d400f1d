/**
 * The scanner for KeyChain pairs: the exact text `{"<key>": <value>}` with key and value JSON string literals
 * and one space after the colon. Anything else starting with `{"` is not a pair (documents may contain braces
 * and quotes); the scanner says where and why it stopped matching.
 */

/** A pair found in the text; `start` is the `{`, `end` the index just after the `}`. */
export interface PairShape {
  key: string;
  value: string;
  start: number;
  end: number;
}

export type ScanResult = { ok: true; pair: PairShape } | { ok: false; at: number; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Tries to read a pair starting at `start` (where `text` has `{"`). */
export function scanPairAt(text: string, start: number): ScanResult {
  if (text.charCodeAt(start) !== 0x7b || text.charCodeAt(start + 1) !== QUOTE)
    return { ok: false, at: start, reason: 'expected `{"`' };
  const key = scanString(text, start + 1);
  if (!key.ok) return key;
  if (text.charCodeAt(key.end) !== 0x3a || text.charCodeAt(key.end + 1) !== 0x20)
    return { ok: false, at: key.end, reason: "expected `: ` (colon and one space) after the key" };
  if (text.charCodeAt(key.end + 2) !== QUOTE)
    return { ok: false, at: key.end + 2, reason: "expected the value's opening quote" };
  const value = scanString(text, key.end + 2);
  if (!value.ok) return value;
  if (text.charCodeAt(value.end) !== 0x7d)
    return {
      ok: false,
      at: value.end,
      reason: "expected `}` after the value (an unescaped quote inside the value?)",
    };
  return { ok: true, pair: { key: key.value, value: value.value, start, end: value.end + 1 } };
}

type StringResult = { ok: true; value: string; end: number } | { ok: false; at: number; reason: string };

/** A JSON string literal whose opening quote is at `open`; `end` is the index after the closing quote. */
function scanString(text: string, open: number): StringResult {
  let escaped = false;
  for (let p = open + 1; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === QUOTE) {
      const literal = text.slice(open, p + 1);
      if (!escaped) return { ok: true, value: literal.slice(1, -1), end: p + 1 };
      try {
        return { ok: true, value: JSON.parse(literal) as string, end: p + 1 };
      } catch {
        return { ok: false, at: open, reason: "invalid escape sequence in a JSON string" };
      }
    }
    if (c < 0x20)
      return { ok: false, at: p, reason: "raw control character (e.g. a newline) inside a JSON string" };
    if (c === BACKSLASH) {
      escaped = true;
      p++;
    }
  }
  return { ok: false, at: text.length, reason: "unterminated JSON string" };
}
