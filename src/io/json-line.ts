/**
 * A JSONL line's bytes, byte-identical to `Buffer.from(JSON.stringify(value) + "\n")`, for values that hold a
 * long string more than once (a sample's context is also inside its prompt): each such string is escaped and
 * encoded to UTF-8 once and its bytes copied wherever it occurs.
 */

/** Strings shorter than this are not worth the bookkeeping. */
const MIN_SHARED = 1024;
/** U+0001 never survives JSON.stringify as itself: in the JSON text it is always this escape. */
const MARK = "\u0001";
const MARK_JSON = "\\u0001";

/**
 * A long string of a value, and the other strings of the value it sits inside (a prompt's user message holds
 * its context), each as the text before and after it: `string === before + text + after`. They are found by
 * identity and never searched or read (a string built by concatenation is copied whole the first time its
 * characters are read).
 */
export interface SharedText {
  text: string;
  /**
   * `text` as it is inside a JSON string, when the caller has it already: exactly {@link escapedBody} of
   * `text`, which must join unchanged ({@link joinsUnchanged}); `text` is then never read.
   */
  json?: Uint8Array;
  within?: readonly { string: string; before: string; after: string }[];
}

/**
 * The line (JSON + "\n", UTF-8) of `value`, as the parts that make it up, in order and uncopied (the escaped
 * shared strings are among them as they were given); `shared` are long strings that occur in the value whole
 * or inside other strings. Joined, the parts are exactly the bytes of `JSON.stringify(value) + "\n"`: where
 * that cannot be ensured cheaply (U+0001 in the value, a surrogate at a shared string's edge, a `within` of the
 * wrong length), the line is built the plain way, as one part.
 */
export function jsonLineParts(value: unknown, shared: readonly SharedText[] = []): Uint8Array[] {
  // A text given with its escaped form is never read here (reading a string built by concatenation copies
  // it whole); whoever escaped it checked that it joins unchanged.
  const usable = shared.filter(
    (s) =>
      s.text.length >= MIN_SHARED &&
      (s.json !== undefined || (joinsUnchanged(s.text) && !s.text.includes(MARK))),
  );
  if (usable.length === 0) return [plainLine(value)];
  let marks = 0;
  let sound = true;
  const swap = (text: string): string => {
    for (const [k, s] of usable.entries()) {
      if (text === s.text) {
        marks++;
        return `${MARK}${k}${MARK}`;
      }
      for (const w of s.within ?? [])
        if (text === w.string) {
          if (text.length !== w.before.length + s.text.length + w.after.length) {
            sound = false;
            return text;
          }
          marks++;
          return `${w.before}${MARK}${k}${MARK}${w.after}`;
        }
    }
    return text;
  };
  const json = JSON.stringify(substitute(value, swap));
  if (!sound) return [plainLine(value)];
  const parts = json.split(MARK_JSON);
  // Every U+0001 in the text is one of ours, in pairs around an index, or the value had its own: plain way.
  if (parts.length !== 2 * marks + 1) return [plainLine(value)];
  const encoded = usable.map((s) => s.json ?? escapedBody(s.text));
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i % 2 === 0) chunks.push(Buffer.from(part));
    else {
      const bytes = /^\d+$/.test(part) ? encoded[Number(part)] : undefined;
      if (bytes === undefined) return [plainLine(value)];
      chunks.push(bytes);
    }
  }
  chunks.push(NEWLINE);
  return chunks;
}

const NEWLINE = Buffer.from("\n");

function plainLine(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`);
}

/** `JSON.stringify(text)` without its quotes, UTF-8: how `text` is written inside a JSON string. */
export function escapedBody(text: string): Buffer {
  const quoted = Buffer.from(JSON.stringify(text));
  return quoted.subarray(1, quoted.length - 1);
}

/**
 * Whether the escaped form of `s` joins with any neighbours' unchanged (escaping the parts and joining them
 * gives the escaped whole): JSON.stringify escapes a lone surrogate but keeps a pair, so a string that starts
 * with a low surrogate or ends with a high one could pair across its edge.
 */
export function joinsUnchanged(s: string): boolean {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return !(first >= 0xdc00 && first <= 0xdfff) && !(last >= 0xd800 && last <= 0xdbff);
}

/**
 * `value` with every string passed through `swap`, plain objects and arrays copied, key order kept (an object
 * with a `toJSON` is left as it is).
 */
function substitute(value: unknown, swap: (s: string) => string): unknown {
  if (typeof value === "string") return swap(value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, swap));
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype &&
    !("toJSON" in value)
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, swap);
    return out;
  }
  return value;
}
