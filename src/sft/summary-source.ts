import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { readJsonArray } from "../corpus/json-array.js";
import type { RawRecord } from "../corpus/raw-record.js";
import { fileError, firstSignificantByte } from "../corpus/source-file.js";
import { InputError } from "../errors.js";
import { readJsonlTexts } from "../io/lines.js";

/** Which columns hold the prompt and the answer. */
export interface SourceFields {
  question: string;
  answer: string;
}

/** A row, or a JSON Lines line that is not JSON (`error` says why). */
export type SourceRow = RawRecord | (Omit<RawRecord, "value"> & { error: string });

/**
 * The rows of a local copy of a Hugging Face data set, streamed, holding only the two fields: parquet (by
 * the `.parquet` extension; one row group in memory at a time, the place being `record N`), a JSON array
 * (first byte `[`; a malformed element is an {@link InputError}) or JSON Lines (anything else; a line that
 * is not JSON comes back with an `error`, and reading goes on).
 */
export async function* readSummarySource(path: string, fields: SourceFields): AsyncGenerator<SourceRow> {
  if (path.toLowerCase().endsWith(".parquet")) {
    yield* readParquetRows(path, fields);
    return;
  }
  const rows = (await firstSignificantByte(path)) === 0x5b ? readJsonArray(path) : readJsonLinesLenient(path);
  for await (const raw of rows) {
    if ("error" in raw) {
      yield raw;
      continue;
    }
    const o = raw.value;
    if (typeof o !== "object" || o === null || Array.isArray(o)) {
      yield raw;
      continue;
    }
    const r = o as Record<string, unknown>;
    yield { ...raw, value: { [fields.question]: r[fields.question], [fields.answer]: r[fields.answer] } };
  }
}

async function* readParquetRows(path: string, fields: SourceFields): AsyncGenerator<RawRecord> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new InputError(`not a parquet file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const names = new Set(metadata.schema.map((s) => s.name));
  for (const column of [fields.question, fields.answer])
    if (!names.has(column))
      throw new InputError(
        `no column "${column}" (columns: ${metadata.schema
          .slice(1)
          .map((s) => s.name)
          .join(", ")})`,
        { file: path, field: column },
      );
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata,
      columns: [fields.question, fields.answer],
      rowStart: start,
      rowEnd: end,
    });
    for (const [i, value] of rows.entries())
      yield { value, index: start + i, place: { file: path, record: start + i + 1 } };
    start = end;
  }
}

/** JSON Lines where a line that is not JSON is yielded with its error instead of ending the stream. */
async function* readJsonLinesLenient(path: string): AsyncGenerator<SourceRow> {
  let index = 0;
  for await (const { line, json } of readJsonlTexts(path)) {
    const place = { file: path, line };
    try {
      yield { value: JSON.parse(json), index: index++, place };
    } catch (e) {
      yield { error: `not valid JSON: ${(e as Error).message}`, index: index++, place };
    }
  }
}
