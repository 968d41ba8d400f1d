import { InputError } from "../errors.js";
import { readJsonArray } from "./json-array.js";
import { readJsonLines } from "./json-lines.js";
import type { RawRecord } from "./raw-record.js";
import { firstSignificantByte } from "./source-file.js";

/**
 * The records of a file that holds either one top-level JSON array or JSON Lines, decided by its first
 * significant byte (`[` → array), both streamed. An empty file is an {@link InputError}.
 */
export async function* readRecords(path: string): AsyncGenerator<RawRecord> {
  const first = await firstSignificantByte(path);
  if (first === undefined) throw new InputError("file is empty", { file: path });
  yield* first === 0x5b ? readJsonArray(path) : readJsonLines(path);
}
