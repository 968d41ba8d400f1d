import { InputError } from "../errors.js";
import { isParquetFile, probeParquetFirstRow } from "./parquet-records.js";
import { type Container, probeFirstRecord, type RecordOutline } from "./probe.js";
import { firstSignificantByte } from "./source-file.js";
import type { FormatName } from "./types.js";

/** What each format looks like, for the message shown when none matches. */
const FORMAT_SHAPES: Record<FormatName, string> = {
  hotpotqa: 'hotpotqa (records with "_id" or "id", "context", "supporting_facts" and "level" or "type")',
  "2wikimqa": '2wikimqa (records with "context", "supporting_facts" and "evidences" or a 2Wiki "type")',
  musique: 'musique (records with "paragraphs" and "answerable" or "question_decomposition")',
  squad: 'squad (one object with a "data" array of articles)',
  jsonl: 'jsonl (records with "documents")',
};

/** 2WikiMultihopQA question types; "comparison" is shared with HotpotQA. */
const TWO_WIKI_TYPES = new Set(["comparison", "bridge_comparison", "compositional", "inference"]);

/**
 * The format of `path`, told from its content (never its name) by reading only the start of the file: the
 * magic bytes `PAR1` say parquet (one record per row), else the first byte says JSON array (`[`) or object
 * (`{`: a SQuAD file or JSON Lines); then the first record's fields say which data set. Records may come in
 * any container (a JSON Lines or parquet file of HotpotQA records is `hotpotqa`) and in any layout a format
 * reader accepts (the Hugging Face Hub copies keep the fields the rules below look at). An empty or
 * unrecognised file is an {@link InputError}.
 */
export async function detectFormat(path: string): Promise<FormatName> {
  const { outline, container } = (await isParquetFile(path))
    ? await parquetOutline(path)
    : await jsonOutline(path);
  const format = classifyRecord(outline, container);
  if (format === undefined) {
    const fields = Object.keys(outline);
    const listed =
      fields.length === 0 ? "no fields" : `the fields ${fields.map((k) => JSON.stringify(k)).join(", ")}`;
    throw unrecognised(path, `its first record has ${listed}`);
  }
  return format;
}

interface FirstRecord {
  outline: RecordOutline;
  container: Container;
}

/** A JSON file's first record, in a JSON array (`[`) or first of its objects (`{`). */
async function jsonOutline(path: string): Promise<FirstRecord> {
  const first = await firstSignificantByte(path);
  if (first === undefined) throw new InputError("file is empty", { file: path });
  if (first !== 0x5b && first !== 0x7b) {
    throw unrecognised(
      path,
      'it does not start with "[" (a JSON array), "{" (an object or JSON Lines) or "PAR1" (parquet)',
    );
  }
  const container: Container = first === 0x5b ? "array" : "object";
  const outline = await probeFirstRecord(path, container);
  if (outline === undefined) {
    throw unrecognised(path, container === "array" ? "its JSON array is empty or does not hold objects" : "");
  }
  return { outline, container };
}

/** A parquet file's first row: its rows are records as a JSON array's elements are (never a SQuAD file). */
async function parquetOutline(path: string): Promise<FirstRecord> {
  const outline = await probeParquetFirstRow(path);
  if (outline === undefined) throw unrecognised(path, "its parquet file has no rows");
  return { outline, container: "array" };
}

/** The format a first record's outline belongs to, or `undefined` when it matches none. */
export function classifyRecord(outline: RecordOutline, container: Container): FormatName | undefined {
  const has = (field: string): boolean => outline[field] !== undefined;
  const type = typeof outline.type === "string" ? outline.type : undefined;
  if (container === "object" && Array.isArray(outline.data) && !has("question")) return "squad";
  if (has("paragraphs") && (has("answerable") || has("question_decomposition"))) return "musique";
  // Before "documents": some Hub copies of HotpotQA add a "documents" column to the usual fields.
  if (has("context") && has("supporting_facts")) {
    if (has("evidences")) return "2wikimqa";
    const hasId = has("_id") || has("id");
    if (hasId && (has("level") || type === "bridge" || type === "comparison")) return "hotpotqa";
    if (type !== undefined && TWO_WIKI_TYPES.has(type)) return "2wikimqa";
  }
  if (has("documents")) return "jsonl";
  return undefined;
}

function unrecognised(path: string, why: string): InputError {
  const known = Object.values(FORMAT_SHAPES).join("; ");
  return new InputError(
    `cannot tell the data set format${why ? `: ${why}` : ""}. Known formats: ${known}. ` +
      "Use --format to name the format.",
    { file: path },
  );
}
