import { readLines } from "../io/lines.js";

/**
 * The non-blank lines of a JSON Lines file with their 1-based numbers, a leading byte-order mark removed: the
 * text each SFT reader parses (or checks) itself. Opening errors pass through for the caller to word.
 */
export async function* jsonlTexts(path: string): AsyncGenerator<{ line: number; json: string }> {
  for await (const { line, text } of readLines(path)) {
    const json = line === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
    if (/\S/.test(json)) yield { line, json };
  }
}
