/**
 * The SFT sets a grow run starts from: finding them by pattern, reading their question keys, and checking that
 * they already form a partition (no question twice, in one set or across lengths).
 */
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";

/** Which field identifies a question: the source `id`, or `source_index` for sets written without ids. */
export type KeyField = "id" | "source_index";

/** One JSONL row of an SFT set, as text plus its question key fields. */
export interface SetRow {
  /** The line as read (written back unchanged when merging). */
  text: string;
  line: number;
  id: string | undefined;
  sourceIndex: number | undefined;
}

/** An existing SFT set of one data set × length. */
export interface ExistingSet {
  dataset: string;
  length: number;
  /** undefined: no file matches; the set is empty. */
  path: string | undefined;
  rows: SetRow[];
}

/** The pattern with `{dataset}` and `{length}` filled in. */
export function expandPattern(pattern: string, dataset: string, length: number): string {
  return pattern.replaceAll("{dataset}", dataset).replaceAll("{length}", String(length));
}

/**
 * The file matching `pattern` (relative to `dir`) for a data set × length, or undefined when none does.
 * `*` matches any characters within the file name. Several matches are an error listing them.
 */
export async function findExistingFile(
  dir: string,
  pattern: string,
  dataset: string,
  length: number,
): Promise<string | undefined> {
  const rel = expandPattern(pattern, dataset, length);
  const folder = join(dir, dirname(rel));
  const name = basename(rel);
  if (dirname(rel).includes("*"))
    throw new ConfigError(`existing.pattern: "*" may only appear in the file name, got "${pattern}"`);
  const re = new RegExp(`^${name.split("*").map(escapeRegExp).join(".*")}$`);
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch {
    return undefined;
  }
  const hits = entries.filter((e) => re.test(e) && !e.endsWith(".tmp")).sort();
  if (hits.length > 1)
    throw new ConfigError(
      `existing.pattern "${rel}" matches ${hits.length} files in "${folder}" (${hits.join(", ")}); make it match one`,
    );
  return hits[0] === undefined ? undefined : join(folder, hits[0]);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}

/** Read the rows of an SFT set (JSONL): each needs a string `id` or an integer `source_index`. */
export async function readSetRows(path: string): Promise<SetRow[]> {
  const rows: SetRow[] = [];
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError(`not valid JSON (${(e as Error).message})`, { file: path, line }, { cause: e });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new InputError("expected a JSON object", { file: path, line });
    const r = value as { id?: unknown; source_index?: unknown };
    const id = typeof r.id === "string" ? r.id : undefined;
    const sourceIndex =
      typeof r.source_index === "number" && Number.isSafeInteger(r.source_index) ? r.source_index : undefined;
    if (r.id !== undefined && id === undefined)
      throw new InputError(`expected a string, got ${JSON.stringify(r.id)}`, {
        file: path,
        line,
        field: "id",
      });
    if (id === undefined && sourceIndex === undefined)
      throw new InputError('expected a question "id" (string) or "source_index" (integer), found neither', {
        file: path,
        line,
        field: "id",
      });
    rows.push({ text, line, id, sourceIndex });
  }
  return rows;
}

/** `id` when every row has one, else `source_index` (every row has one or the other: see readSetRows). */
export function keyFieldOf(sets: readonly ExistingSet[]): KeyField {
  for (const s of sets)
    for (const r of s.rows) {
      if (r.id !== undefined) continue;
      // Without ids, every row must have source_index: fall back for all of them.
      for (const t of sets)
        for (const q of t.rows)
          if (q.sourceIndex === undefined)
            throw new InputError(
              `has no "source_index", but "${s.path}" line ${r.line} has no "id": all rows need one common key`,
              { file: t.path ?? "", line: q.line, field: "source_index" },
            );
      return "source_index";
    }
  return "id";
}

/** The key of a row under a key field (always present: see keyFieldOf). */
export function rowKey(row: Pick<SetRow, "id" | "sourceIndex">, field: KeyField): string {
  return field === "id" ? String(row.id) : String(row.sourceIndex);
}

/**
 * Every question key the sets use. Throws when a question occurs twice (within one set, or in two sets of
 * the data set): the merged sets could not be a partition.
 */
export function usedKeys(sets: readonly ExistingSet[], field: KeyField): Set<string> {
  const seen = new Map<string, { path: string; line: number }>();
  for (const s of sets)
    for (const r of s.rows) {
      const key = rowKey(r, field);
      const first = seen.get(key);
      if (first)
        throw new InputError(
          `question ${field} ${JSON.stringify(key)} already occurs in "${first.path}" line ${first.line}; existing sets must not share questions (deduplicate them first)`,
          { file: s.path ?? "", line: r.line, field },
        );
      seen.set(key, { path: s.path ?? "", line: r.line });
    }
  return new Set(seen.keys());
}

/** Read the existing sets of one data set, one per length (empty when no file matches). */
export async function readExistingSets(
  dir: string,
  pattern: string,
  dataset: string,
  lengths: readonly number[],
): Promise<ExistingSet[]> {
  const out: ExistingSet[] = [];
  for (const length of lengths) {
    const path = await findExistingFile(dir, pattern, dataset, length);
    out.push({ dataset, length, path, rows: path ? await readSetRows(path) : [] });
  }
  return out;
}
