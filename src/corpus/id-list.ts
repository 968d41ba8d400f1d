import { InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { FieldReader } from "./fields.js";
import { parseJsonLine } from "./json-lines.js";
import { fileError } from "./source-file.js";

/**
 * The question ids of a `--filter-ids` file, in either of two shapes, decided by the first non-blank line:
 * JSON Lines with a string `"id"` field on every line (the original pipeline's filter files; other fields are
 * ignored), or plain text with one id per line. Blank lines are ignored; surrounding whitespace is trimmed. A
 * line that does not fit the file's shape is an {@link InputError} naming its line number.
 */
export async function readIdList(path: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let shape: "jsonl" | "text" | undefined;
  try {
    for await (const { line, text } of readLines(path)) {
      const entry = (line === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
      if (entry === "") continue;
      shape ??= entry.startsWith("{") ? "jsonl" : "text";
      ids.add(shape === "jsonl" ? jsonId(entry, path, line) : plainId(entry, path, line));
    }
  } catch (error) {
    throw fileError(path, error);
  }
  return ids;
}

function jsonId(entry: string, path: string, line: number): string {
  const place = { file: path, line };
  const reader = new FieldReader(place);
  return reader.string(reader.object(parseJsonLine(entry, place)).id, "id");
}

function plainId(entry: string, path: string, line: number): string {
  if (entry.startsWith("{") || /\s/.test(entry)) {
    throw new InputError(
      `expected one plain id per line (the file's first line is a plain id), got ${JSON.stringify(entry)}`,
      { file: path, line },
    );
  }
  return entry;
}
