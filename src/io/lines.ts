import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { InputError, type Place } from "../errors.js";

/** One line of a text file: its 1-based number and its text, without the line break. */
export interface Line {
  line: number;
  text: string;
}

const NEWLINE = 0x0a;

/**
 * Lines of a UTF-8 text file with their 1-based numbers, streamed: the file is never held as one string. Lines
 * end at "\n"; a trailing "\r" is removed; a last line without its "\n" is a line, an empty file has none.
 * Bytes that are not valid UTF-8 are an {@link InputError} naming the file, the line and the byte offset
 * (never U+FFFD in the text). `onBytes`, when given, sees every byte of the file in order (to hash or count
 * it as it streams past, see `ByteDigest` in ./digest.ts). The file is closed however the reading ends, a
 * reader that stops early included. Opening and reading errors pass through for the caller to word.
 */
export async function* readLines(path: string, onBytes?: (bytes: Uint8Array) => void): AsyncGenerator<Line> {
  const input = createReadStream(path);
  try {
    yield* splitLines(onBytes === undefined ? input : tap(input, onBytes), path);
  } finally {
    input.destroy();
  }
}

/**
 * The lines of a UTF-8 byte stream, as {@link readLines} reads them. The bytes are cut at "\n" first (a byte
 * that never occurs inside a multi-byte character) and each run of whole lines is decoded strictly, so a
 * character split between chunks is decoded whole and invalid UTF-8 is an {@link InputError} naming `file`
 * (when given), the line and the byte offset. A line longer than a chunk is gathered in parts and joined once.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>, file?: string): AsyncGenerator<Line> {
  const place: Place = file === undefined ? {} : { file };
  let line = 0;
  /** Byte offset in the stream of the start of the current line. */
  let offset = 0;
  /** The start of the current line, from earlier chunks. */
  let parts: Buffer[] = [];
  const finish = (text: string): Line => ({
    line: ++line,
    text: text.endsWith("\r") ? text.slice(0, -1) : text,
  });
  for await (const raw of chunks) {
    if (raw.length === 0) continue;
    const chunk = asBuffer(raw);
    const last = chunk.lastIndexOf(NEWLINE);
    if (last < 0) {
      parts.push(chunk);
      continue;
    }
    const head = chunk.subarray(0, last);
    const block = parts.length === 0 ? head : Buffer.concat([...parts, head]);
    parts = [];
    const text = decodeUtf8(block, { line: line + 1, offset, column: 0, place });
    offset += block.length + 1;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      yield finish(text.slice(start, nl));
      start = nl + 1;
    }
    yield finish(start === 0 ? text : text.slice(start));
    if (last + 1 < chunk.length) parts.push(chunk.subarray(last + 1));
  }
  if (parts.length > 0) {
    const block = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    yield finish(decodeUtf8(block, { line: line + 1, offset, column: 0, place }));
  }
}

/** Where a run of bytes starts in its stream, for the message of {@link decodeUtf8}. */
export interface BytePosition {
  /** 1-based line of the first byte. */
  line: number;
  /** 0-based byte offset of the first byte in the stream (the file). */
  offset: number;
  /** 0-based byte offset of the first byte within its line, when known. */
  column?: number;
  /** File, record, id… added to the error's place (its `line` is the line of the bad byte). */
  place?: Place;
}

/**
 * `bytes` decoded as UTF-8, strictly: a byte that is not valid UTF-8 (or a character cut off at the end) is an
 * {@link InputError} at the line of the bad byte, naming the byte(s) and their offset in the file (and in the
 * line, when known), e.g. `Cannot read "a.jsonl" line 3: not valid UTF-8: byte 0xff at byte offset 1234 of
 * the file (byte 17 of line 3)`. A byte-order mark is kept, as in the bytes.
 */
export function decodeUtf8(bytes: Uint8Array, at: BytePosition): string {
  const buffer = asBuffer(bytes);
  if (isUtf8(buffer)) return buffer.toString("utf8");
  const bad = firstInvalidUtf8(buffer) ?? { index: 0, length: 1, truncated: false };
  let line = at.line;
  let lineStart = -1;
  for (let nl = buffer.indexOf(NEWLINE); nl >= 0 && nl < bad.index; nl = buffer.indexOf(NEWLINE, nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  const column =
    lineStart >= 0 ? bad.index - lineStart : at.column === undefined ? undefined : at.column + bad.index;
  const shown = [...buffer.subarray(bad.index, bad.index + bad.length)]
    .map((b) => `0x${b.toString(16).padStart(2, "0")}`)
    .join(" ");
  const what = bad.truncated
    ? `an incomplete character (${shown})`
    : `${bad.length > 1 ? "bytes" : "byte"} ${shown}`;
  const inLine = column === undefined ? "" : ` (byte ${column} of line ${line})`;
  return fail(`not valid UTF-8: ${what} at byte offset ${at.offset + bad.index} of the file${inLine}`, {
    ...at.place,
    line,
  });
}

function fail(message: string, place: Place): never {
  throw new InputError(message, place);
}

/**
 * The strings of a UTF-8 byte stream, decoded strictly as {@link decodeUtf8} does (a character split between
 * chunks is decoded whole); for parsers that take text chunks (stream-json). `place` names the file in errors.
 */
export async function* decodeUtf8Chunks(
  chunks: AsyncIterable<Uint8Array>,
  place: Place = {},
): AsyncGenerator<string> {
  let pending: Buffer | undefined;
  let offset = 0;
  let line = 1;
  let column = 0;
  for await (const raw of chunks) {
    let bytes = asBuffer(raw);
    if (pending !== undefined) {
      bytes = Buffer.concat([pending, bytes]);
      pending = undefined;
    }
    const end = wholeCharacters(bytes);
    const whole = bytes.subarray(0, end);
    const text = decodeUtf8(whole, { line, offset, column, place });
    let lastNewline = -1;
    for (let nl = whole.indexOf(NEWLINE); nl >= 0; nl = whole.indexOf(NEWLINE, nl + 1)) {
      line++;
      lastNewline = nl;
    }
    column = lastNewline >= 0 ? end - lastNewline - 1 : column + end;
    offset += end;
    if (end < bytes.length) pending = Buffer.from(bytes.subarray(end));
    if (text !== "") yield text;
  }
  if (pending !== undefined) decodeUtf8(pending, { line, offset, column, place });
}

/** The length of `bytes` without a multi-byte character cut off at its end (which the next chunk completes). */
function wholeCharacters(bytes: Buffer): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * The first ill-formed sequence of `bytes` (WHATWG UTF-8 decoding): its start, its length up to and including
 * the offending byte, and whether it is only cut off by the end of `bytes`; `undefined` when all is well.
 */
export function firstInvalidUtf8(
  bytes: Uint8Array,
): { index: number; length: number; truncated: boolean } | undefined {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return { index: i, length: 1, truncated: false };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { index: i, length: k, truncated: true };
      const c = bytes[i + k] as number;
      if (c < low || c > high) return { index: i, length: k + 1, truncated: false };
      low = 0x80;
      high = 0xbf;
    }
    i += need + 1;
  }
  return undefined;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `chunks`, each shown to `see` as it passes. */
async function* tap(
  chunks: AsyncIterable<Uint8Array>,
  see: (bytes: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    see(chunk);
    yield chunk;
  }
}

/**
 * The JSON text of one JSON Lines line: a byte-order mark opening line 1 removed; `undefined` for a blank line
 * (not a record).
 */
export function jsonlLineText(text: string, line: number): string | undefined {
  const json = line === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
  return /\S/.test(json) ? json : undefined;
}

/**
 * The non-blank lines of a JSON Lines file with their 1-based numbers ({@link jsonlLineText}), for readers
 * that parse or copy the text themselves. Opening errors pass through for the caller to word.
 */
export async function* readJsonlTexts(path: string): AsyncGenerator<{ line: number; json: string }> {
  for await (const { line, text } of readLines(path)) {
    const json = jsonlLineText(text, line);
    if (json !== undefined) yield { line, json };
  }
}
