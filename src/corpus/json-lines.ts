import { InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import type { RawRecord } from "./raw-record.js";

/**
 * The records of a JSON Lines file, streamed: one JSON value per line. Blank lines are skipped (they are not
 * records); a line that is not valid JSON is an {@link InputError} naming its 1-based line number.
 */
export async function* readJsonLines(path: string): AsyncGenerator<RawRecord> {
  let index = 0;
  for await (const { line, text } of readLines(path)) {
    const json = line === 1 && text.startsWith("\uFEFF") ? text.slice(1) : text;
    if (!/\S/.test(json)) continue;
    const place = { file: path, line };
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`, place, { cause: error });
    }
    yield { value, index: index++, place };
  }
}
