import { escapedHeader, escapedSeparator, type PassageLayout, renderHeader } from "../compose/layout.js";
import { escapedBody, joinsUnchanged } from "../io/json-line.js";

/**
 * Where a pair may go in a rendered context, and how it is inserted:
 * - `line`: at the start of a line — right after a "\n" and before a non-space character — the text
 *   `{pair}.\n` is inserted. Used before each passage header (the blank line between passages stays intact)
 *   and at line breaks inside a document's body. Never between a header and its title, nor between a
 *   document's title line and its text.
 * - `sentence`: inside a document's body after a sentence end followed by one space (`X. Y`, with Y an
 *   upper-case letter or an opening quote/bracket), the text `{pair}. ` is inserted: `X. {pair}. Y`. A
 *   period that ends an initial (`J.`), an abbreviation (`Dr.`, `approx.`, `U.S.`) or a token with inner
 *   periods (URLs, `e.g.`) is no sentence end; decimals (`2.1`) never qualify since no space follows the dot.
 *
 * Removing each inserted text gives back the context byte for byte. For newline-additive tokenizers both
 * kinds add exactly the tokens of the inserted pair: `{pair}.\n` at a newline boundary, ` {pair}.` between a
 * non-space character and a space-led word.
 */
export type PointKind = "line" | "sentence";

export interface InsertionPoint {
  /** Offset in the context where the text is inserted. */
  at: number;
  kind: PointKind;
}

/** The text inserted for a pair at a point of this kind. */
export function insertionText(pair: string, kind: PointKind): string {
  return kind === "line" ? `${pair}.\n` : `${pair}. `;
}

/** The text whose token count is what inserting a pair at this kind of point adds. */
export function insertionTokenText(pair: string, kind: PointKind): string {
  return kind === "line" ? `${pair}.\n` : ` ${pair}.`;
}

const ABBREVIATIONS = new Set(
  (
    "mr mrs ms dr st jr sr mt ft no nos vs etc al approx inc ltd co corp gen col lt sgt capt cmdr adm prof rev hon " +
    "pres gov sen rep jan feb mar apr jun jul aug sep sept oct nov dec vol vols pp ca cf fig figs est op ed eds dept " +
    "univ assn bros ave blvd rd ste sq mme mlle messrs ph cie"
  ).split(" "),
);

/** True when the word before a period makes it no sentence end. */
export function isAbbreviation(word: string): boolean {
  const w = word.replace(/^["'“‘([]+/u, "");
  if (w.length === 0) return true;
  if (/^\p{L}$/u.test(w)) return true; // an initial: J. K. Varlo
  if (w.includes(".")) return true; // U.S, e.g, www.example.org
  return ABBREVIATIONS.has(w.toLowerCase());
}

const SENTENCE_END = /[.?!]["'”’)\]]? (?=[\p{Lu}"'“‘(])/gu;

/** Safe points inside one document, as offsets into the document string (see insertionPoints). */
export function documentPoints(doc: string): InsertionPoint[] {
  const points: InsertionPoint[] = [];
  const bodyStart = doc.indexOf("\n") + 1; // 0 when the document has a single line: no body points
  if (bodyStart === 0) return points;
  for (let j = doc.indexOf("\n", bodyStart); j >= 0 && j + 1 < doc.length; j = doc.indexOf("\n", j + 1)) {
    if (/\S/u.test(doc[j + 1] as string)) points.push({ at: j + 1, kind: "line" });
  }
  const body = doc.slice(bodyStart);
  for (const m of body.matchAll(SENTENCE_END)) {
    const punct = m.index;
    const wordStart = Math.max(body.lastIndexOf(" ", punct - 1), body.lastIndexOf("\n", punct - 1)) + 1;
    if (isAbbreviation(body.slice(wordStart, punct))) continue;
    points.push({ at: bodyStart + m.index + m[0].length, kind: "sentence" });
  }
  return points.sort((a, b) => a.at - b.at);
}

/** A point as one number: `at · 2`, plus 1 for a sentence point (what {@link packedInsertionPoints} holds). */
export function packPoint(p: InsertionPoint): number {
  return p.at * 2 + (p.kind === "sentence" ? 1 : 0);
}

export function unpackPoint(v: number): InsertionPoint {
  return { at: Math.floor(v / 2), kind: v % 2 === 1 ? "sentence" : "line" };
}

/**
 * Every safe insertion point of a context rendered from `docs` with `layout` (see renderContext), in order.
 * `leadingLine`: whether the start of the context is a line start (the text before it ends with "\n").
 * `pointsOf` returns a document's own points (pass a memoised version when documents repeat).
 */
export function insertionPoints(
  docs: readonly string[],
  layout: PassageLayout,
  leadingLine: boolean,
  pointsOf: (doc: string, k: number) => readonly InsertionPoint[] = (doc) => documentPoints(doc),
): InsertionPoint[] {
  const packed = packedInsertionPoints(docs, layout, leadingLine, (doc, k) =>
    Float64Array.from(pointsOf(doc, k), packPoint),
  );
  return Array.from(packed, unpackPoint);
}

/**
 * {@link insertionPoints} packed ({@link packPoint}), from each document's packed points: a 128K context has
 * thousands of points, of which a few hundred are drawn.
 */
export function packedInsertionPoints(
  docs: readonly string[],
  layout: PassageLayout,
  leadingLine: boolean,
  packedOf: (doc: string, k: number) => ArrayLike<number>,
): Float64Array {
  const own = docs.map((doc, k) => packedOf(doc, k));
  let n = 0;
  for (let k = 0; k < docs.length; k++)
    n += (k > 0 || leadingLine ? 1 : 0) + (own[k] as ArrayLike<number>).length;
  const points = new Float64Array(n);
  let i = 0;
  let pos = 0;
  for (let k = 0; k < docs.length; k++) {
    if (k > 0) pos += layout.separator.length;
    if (k > 0 || leadingLine) points[i++] = pos * 2;
    pos += renderHeader(layout, k + 1).length;
    const mine = own[k] as ArrayLike<number>;
    for (let j = 0; j < mine.length; j++) points[i++] = pos * 2 + (mine[j] as number);
    pos += (docs[k] as string).length;
  }
  return points;
}

/**
 * Insert texts at points (any order given; offsets refer to the original context). The result is built by
 * concatenation, a rope V8 copies into one string only when its characters are first read.
 */
export function insertAt(context: string, inserts: readonly { at: number; text: string }[]): string {
  const sorted = [...inserts].sort((a, b) => a.at - b.at);
  let out = "";
  let last = 0;
  for (const ins of sorted) {
    out += context.slice(last, ins.at);
    out += ins.text;
    last = ins.at;
  }
  out += context.slice(last);
  return out;
}

/**
 * {@link insertAt} as it is inside a JSON string (see {@link escapedBody}), from the escaped context
 * (`contextJson`, which `renderContextJson` made from `docs`' escaped forms `bodies` with `layout`): each
 * insert's place in the escaped bytes is found from the document it falls in, so only the text before it in
 * that document is escaped again. Undefined when an insert is not at a passage's start or inside a document, or a text may not
 * be joined unchanged.
 */
export function insertAtJson(
  contextJson: Uint8Array,
  layout: PassageLayout,
  docs: readonly string[],
  bodies: readonly Uint8Array[],
  inserts: readonly { at: number; text: string }[],
): Uint8Array | undefined {
  const sorted = [...inserts].sort((a, b) => a.at - b.at);
  const separator = escapedSeparator(layout);
  const parts: Uint8Array[] = [];
  let last = 0;
  let next = 0;
  // Character and escaped byte offsets of passage k's header and of its document.
  let char = 0;
  let byte = 0;
  for (let k = 0; k < docs.length && next < sorted.length; k++) {
    if (k > 0) {
      if (separator === null) return undefined;
      char += layout.separator.length;
      byte += separator.byteLength;
    }
    const header = escapedHeader(layout, k);
    if (header === null) return undefined;
    const doc = docs[k] as string;
    const docChar = char + renderHeader(layout, k + 1).length;
    const docByte = byte + header.byteLength;
    for (; next < sorted.length && (sorted[next]?.at as number) <= docChar + doc.length; next++) {
      const ins = sorted[next] as { at: number; text: string };
      let at: number;
      if (ins.at === char) at = byte;
      else if (ins.at >= docChar && joinsUnchanged(doc.slice(0, ins.at - docChar)))
        at = docByte + escapedLength(doc.slice(0, ins.at - docChar));
      else return undefined;
      if (!joinsUnchanged(ins.text)) return undefined;
      parts.push(contextJson.subarray(last, at), escapedBody(ins.text));
      last = at;
    }
    char = docChar + doc.length;
    byte = docByte + (bodies[k] as Uint8Array).byteLength;
  }
  if (next < sorted.length) return undefined;
  parts.push(contextJson.subarray(last));
  return Buffer.concat(parts);
}

/** Bytes of `text` inside a JSON string. */
function escapedLength(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), "utf8") - 2;
}
