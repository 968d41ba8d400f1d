import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/** One line of a text file: its 1-based number and its text, without the line break. */
export interface Line {
  line: number;
  text: string;
}

/**
 * Lines of a UTF-8 text file with their 1-based numbers, streamed: the file is never held as one string. Lines
 * end at "\n"; a trailing "\r" is removed; a last line without its "\n" is a line, an empty file has none.
 * `onBytes`, when given, sees every byte of the file in order (to hash or count it as it streams past, see
 * `ByteDigest` in ./digest.ts). The file is closed however the reading ends, a reader that stops early
 * included. Opening and reading errors pass through for the caller to word.
 */
export async function* readLines(path: string, onBytes?: (bytes: Uint8Array) => void): AsyncGenerator<Line> {
  const input = createReadStream(path);
  try {
    yield* splitLines(onBytes === undefined ? input : tap(input, onBytes));
  } finally {
    input.destroy();
  }
}

/**
 * The lines of a UTF-8 byte stream, as {@link readLines} reads them (a character split between chunks is
 * decoded whole). A line longer than a chunk is gathered in parts and joined once.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new StringDecoder("utf8");
  let line = 0;
  /** The start of the current line, from earlier chunks. */
  let parts: string[] = [];
  const finish = (piece: string): Line => {
    let text = piece;
    if (parts.length > 0) {
      parts.push(piece);
      text = parts.join("");
      parts = [];
    }
    return { line: ++line, text: text.endsWith("\r") ? text.slice(0, -1) : text };
  };
  for await (const chunk of chunks) {
    const text = decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      yield finish(text.slice(start, nl));
      start = nl + 1;
    }
    if (start < text.length) parts.push(text.slice(start));
  }
  const rest = decoder.end();
  if (rest !== "") parts.push(rest);
  if (parts.length > 0) yield finish("");
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
