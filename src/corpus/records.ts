import { InputError } from "../errors.js";
import { readJsonArray } from "./json-array.js";
import { readJsonLines } from "./json-lines.js";
import { isParquetFile, readParquetRecords } from "./parquet-records.js";
import type { RawRecord } from "./raw-record.js";
import { firstSignificantByte } from "./source-file.js";

/**
 * The records of a file that holds parquet (it starts with the magic bytes `PAR1`; one record per row), one
 * top-level JSON array (its first significant byte is `[`) or JSON Lines, all streamed. An empty file is an
 * {@link InputError}.
 */
export async function* readRecords(path: string): AsyncGenerator<RawRecord> {
  if (await isParquetFile(path)) {
    yield* readParquetRecords(path);
    return;
  }
  const first = await firstSignificantByte(path);
  if (first === undefined) throw new InputError("file is empty", { file: path });
  yield* first === 0x5b ? readJsonArray(path) : readJsonLines(path);
}
