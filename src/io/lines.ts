import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

/**
 * Lines of a UTF-8 text file with their 1-based numbers, streamed. A trailing "\r" is removed. The file is
 * closed however the reading ends, a reader that stops early included.
 */
export async function* readLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(path, { encoding: "utf8" });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of rl) {
      line++;
      yield { line, text };
    }
  } finally {
    rl.close();
    input.destroy();
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
