import { InputError, type Place } from "../errors.js";
import { jsonlLineText, readLines } from "../io/lines.js";
import type { RawRecord } from "./raw-record.js";

/**
 * The records of a JSON Lines file, streamed: one JSON value per line. Blank lines are skipped (they are not
 * records); a line that is not valid JSON is an {@link InputError} naming its 1-based line number.
 */
export async function* readJsonLines(path: string): AsyncGenerator<RawRecord> {
  let index = 0;
  for await (const { line, text } of readLines(path)) {
    const place = { file: path, line };
    const value = parseJsonLine(text, place);
    if (value === undefined) continue;
    yield { value, index: index++, place };
  }
}

/**
 * The JSON value of one JSON Lines line, or `undefined` for a blank line (not a record). A byte-order mark
 * opening line 1 is ignored; text that is not valid JSON is an {@link InputError} naming `place`.
 */
export function parseJsonLine(text: string, place: Place & { line: number }): unknown {
  const json = jsonlLineText(text, place.line);
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new InputError(`not valid JSON: ${(error as Error).message}`, place, { cause: error });
  }
}
