import { createReadStream } from "node:fs";
import { InputError } from "../errors.js";
import { type BytePosition, decodeUtf8 } from "../io/lines.js";
import type { RawRecord } from "./raw-record.js";

/** Options of {@link readJsonArray}. */
export interface JsonArrayOptions {
  /** Bytes per read. @default 1048576 (1 MiB) */
  chunkSize?: number;
}

// Scanner states, outside and inside a top-level element.
const BEFORE_ARRAY = 0;
const EXPECT_FIRST = 1;
const EXPECT_NEXT = 2;
const IN_VALUE = 3;
const IN_SCALAR = 4;
const AFTER_VALUE = 5;
const AFTER_ARRAY = 6;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The elements of a file holding one top-level JSON array, streamed: the file is never held whole, so files
 * larger than a V8 string (HotpotQA train, ~550 MB) can be read.
 *
 * A small scanner walks the bytes, tracking only string, escape and nesting state, cuts out each top-level
 * element and `JSON.parse`s it alone. That is several times faster than a token-level streaming parser and
 * gives each record's start line. Each element's bytes are decoded strictly. Malformed elements, invalid
 * UTF-8 (with its byte offset), stray bytes between elements and truncated files are {@link InputError}s
 * naming the line and record number.
 */
export async function* readJsonArray(
  path: string,
  options: JsonArrayOptions = {},
): AsyncGenerator<RawRecord> {
  const stream = createReadStream(path, { highWaterMark: options.chunkSize ?? 1 << 20 });
  let state = BEFORE_ARRAY;
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let records = 0;
  let recordLine = 0;
  /** Byte offsets in the file: the current record's first byte, the current line's and the chunk's. */
  let recordOffset = 0;
  let lineOffset = 0;
  let recordLineOffset = 0;
  let chunkOffset = 0;
  let pieces: Buffer[] = [];
  let firstChunk = true;

  const fail = (message: string): InputError => new InputError(message, { file: path, line });
  const recordAt = (): BytePosition => ({
    line: recordLine,
    offset: recordOffset,
    column: recordOffset - recordLineOffset,
  });

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const n = chunk.length;
    let i = 0;
    // Start of the current element's bytes in this chunk (-1: not inside an element).
    let start = state === IN_VALUE || state === IN_SCALAR ? 0 : -1;
    // Cached positions of the next quote and backslash in this chunk (-2: unknown, -1: none left).
    let nextQuote = -2;
    let nextBackslash = -2;
    if (firstChunk && n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    firstChunk = false;

    while (i < n) {
      if (state === IN_VALUE) {
        if (inString) {
          if (escaped) {
            escaped = false;
            i++;
            continue;
          }
          if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
          if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
          if (nextBackslash !== -1 && (nextQuote === -1 || nextBackslash < nextQuote)) {
            i = nextBackslash + 1;
            escaped = true;
            continue;
          }
          if (nextQuote === -1) {
            i = n;
            continue;
          }
          i = nextQuote + 1;
          inString = false;
          if (depth > 0) continue;
        } else {
          const c = chunk[i++];
          if (c === QUOTE) inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
          else if (c === NEWLINE) {
            line++;
            lineOffset = chunkOffset + i;
          } else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth > 0) continue;
          if (depth > 0 || inString) continue;
        }
        // The element ended just before i.
        yield parseElement(takeBytes(pieces, chunk, start, i), path, records, recordAt());
        pieces = [];
        start = -1;
        state = AFTER_VALUE;
        continue;
      }

      const c = chunk[i] as number;
      if (state === IN_SCALAR) {
        if (isWhitespace(c) || c === COMMA || c === CLOSE_BRACKET) {
          yield parseElement(takeBytes(pieces, chunk, start, i), path, records, recordAt());
          pieces = [];
          start = -1;
          state = AFTER_VALUE;
        } else {
          i++;
        }
        continue;
      }
      if (isWhitespace(c)) {
        if (c === NEWLINE) {
          line++;
          lineOffset = chunkOffset + i + 1;
        }
        i++;
        continue;
      }
      switch (state) {
        case BEFORE_ARRAY:
          if (c !== OPEN_BRACKET) throw fail(`expected a JSON array ("["), got ${describeByte(c)}`);
          state = EXPECT_FIRST;
          i++;
          break;
        case EXPECT_FIRST:
        case EXPECT_NEXT:
          if (c === CLOSE_BRACKET && state === EXPECT_FIRST) {
            state = AFTER_ARRAY;
            i++;
            break;
          }
          if (c === COMMA || c === CLOSE_BRACKET) {
            throw fail(`expected record ${records + 1} after ",", got ${describeByte(c)}`);
          }
          records++;
          recordLine = line;
          recordOffset = chunkOffset + i;
          recordLineOffset = lineOffset;
          start = i++;
          if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            depth = 1;
            state = IN_VALUE;
          } else if (c === QUOTE) {
            depth = 0;
            inString = true;
            state = IN_VALUE;
          } else {
            state = IN_SCALAR;
          }
          break;
        case AFTER_VALUE:
          if (c === COMMA) state = EXPECT_NEXT;
          else if (c === CLOSE_BRACKET) state = AFTER_ARRAY;
          else throw fail(`expected "," or "]" after record ${records}, got ${describeByte(c)}`);
          i++;
          break;
        default:
          throw fail(`unexpected ${describeByte(c)} after the end of the JSON array`);
      }
    }
    if (start >= 0) pieces.push(chunk.subarray(start));
    chunkOffset += n;
  }

  if (state === BEFORE_ARRAY) throw new InputError("file is empty", { file: path });
  if (state !== AFTER_ARRAY) {
    const where =
      state === IN_VALUE || state === IN_SCALAR
        ? `inside record ${records} (which starts on line ${recordLine})`
        : `after record ${records}`;
    throw fail(`the file ends ${where} before the JSON array is closed with "]"; is it truncated?`);
  }
}

/** The element's bytes: earlier chunks' pieces plus `chunk[start, end)`. */
function takeBytes(pieces: Buffer[], chunk: Buffer, start: number, end: number): Buffer {
  if (pieces.length === 0) return chunk.subarray(start, end);
  pieces.push(chunk.subarray(start, end));
  return Buffer.concat(pieces);
}

/** One element: its bytes decoded strictly as UTF-8 (`at`: where they start), then parsed. */
function parseElement(bytes: Buffer, path: string, record: number, at: BytePosition): RawRecord {
  const place = { file: path, line: at.line, record };
  const text = decodeUtf8(bytes, { ...at, place: { file: path, record } });
  try {
    return { value: JSON.parse(text), index: record - 1, place };
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`, place, { cause: error });
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
}

function describeByte(c: number): string {
  return c >= 0x20 && c < 0x7f
    ? JSON.stringify(String.fromCharCode(c))
    : `byte 0x${c.toString(16).padStart(2, "0")}`;
}
