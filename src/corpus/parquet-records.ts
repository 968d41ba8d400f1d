import { open } from "node:fs/promises";
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  type ParquetParsers,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type SchemaElement,
} from "hyparquet";
import { InputError, isSystemError } from "../errors.js";
import { jsonRow, strictStringFromBytes } from "./parquet-values.js";
import type { RecordOutline } from "./probe.js";
import type { RawRecord } from "./raw-record.js";
import { fileError } from "./source-file.js";

/** The four bytes a parquet file starts (and ends) with. */
const PARQUET_MAGIC = Buffer.from("PAR1", "latin1");

/** Row data is decoded with the strict string parser (metadata keeps hyparquet's: its statistics may be cut mid-character). */
const STRICT_PARSERS: Partial<ParquetParsers> = { stringFromBytes: strictStringFromBytes };

/** Whether `path` starts with the parquet magic bytes `PAR1`. A file that cannot be read is an {@link InputError}. */
export async function isParquetFile(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "r");
    try {
      const head = Buffer.alloc(PARQUET_MAGIC.length);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return bytesRead === head.length && head.equals(PARQUET_MAGIC);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(path, error);
  }
}

/**
 * The rows of a parquet file as records, streamed one row group at a time (only that group's pages are read
 * and held). Each row is the value `JSON.parse` would give for the same record in JSON Lines (see
 * {@link jsonRow}): nested list and struct columns become arrays and objects, so the format readers take
 * parquet and JSON alike. A row's place is `record N` (1-based row number). A file that is not parquet, a
 * page that cannot be decoded, a string that is not UTF-8 and an integer too large for a number are
 * {@link InputError}s naming the file (and the row and field, when known).
 */
export async function* readParquetRecords(path: string): AsyncGenerator<RawRecord> {
  const { file, metadata } = await openParquet(path);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    if (end === start) continue;
    const rows = await readRows(path, file, metadata, start, end);
    for (const [i, row] of rows.entries()) {
      const index = start + i;
      const place = { file: path, record: index + 1 };
      yield { value: jsonRow(row, place), index, place };
    }
    start = end;
  }
}

/**
 * The outline of a parquet file's first row, for format detection (the shape {@link probeFirstRecord} gives
 * for JSON): the values of its scalar top-level columns, `[]` for list columns and `{}` for struct and map
 * columns, in schema order. Only the scalar columns of the first row are read. `undefined` when the file has
 * no rows.
 */
export async function probeParquetFirstRow(path: string): Promise<RecordOutline | undefined> {
  const { file, metadata } = await openParquet(path);
  if (Number(metadata.num_rows) === 0) return undefined;
  const columns = parquetSchema(metadata).children.map((node) => ({
    name: node.element.name,
    shape: isList(node.element) ? "list" : node.children.length > 0 ? "struct" : "scalar",
  }));
  const scalars = columns.filter((c) => c.shape === "scalar").map((c) => c.name);
  const [first = {}] = scalars.length === 0 ? [] : await readRows(path, file, metadata, 0, 1, scalars);
  const values = jsonRow(first, { file: path, record: 1 });
  const outline: RecordOutline = {};
  for (const { name, shape } of columns) {
    outline[name] = shape === "list" ? [] : shape === "struct" ? {} : values[name];
  }
  return outline;
}

async function openParquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (error) {
    if (isSystemError(error)) throw fileError(path, error);
    const message = `not a valid parquet file: ${(error as Error).message}`;
    throw new InputError(message, { file: path }, { cause: error });
  }
}

/** Rows `[start, end)` (one row group or less) of the given columns (all when undefined), strings strict. */
async function readRows(
  path: string,
  file: AsyncBuffer,
  metadata: FileMetaData,
  start: number,
  end: number,
  columns?: string[],
): Promise<Record<string, unknown>[]> {
  try {
    return await parquetReadObjects({
      file,
      metadata,
      rowStart: start,
      rowEnd: end,
      parsers: STRICT_PARSERS,
      ...(columns === undefined ? {} : { columns }),
    });
  } catch (error) {
    if (isSystemError(error)) throw fileError(path, error);
    const rows = end - start === 1 ? `record ${end}` : `records ${start + 1}-${end}`;
    const message = `cannot decode the parquet data of ${rows}: ${(error as Error).message}`;
    throw new InputError(message, { file: path }, { cause: error });
  }
}

/** A list column: LIST-annotated, or a bare repeated field (the legacy two-level layout). */
function isList(element: SchemaElement): boolean {
  return (
    element.converted_type === "LIST" ||
    element.logical_type?.type === "LIST" ||
    element.repetition_type === "REPEATED"
  );
}
