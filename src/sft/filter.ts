import { FieldReader } from "../corpus/fields.js";
import { InputError } from "../errors.js";
import { writeAtomic } from "../io/atomic.js";
import { readJsonlTexts } from "../io/lines.js";
import { filteredOutputPath } from "./names.js";
import { selectBest } from "./select-best.js";

export interface FilterSwiftOptions {
  /** A converted file (`…-swift.jsonl`). */
  input: string;
  /** Output folder. @default the input's folder */
  outDir?: string;
}

export interface FilterSwiftSummary {
  outputPath: string;
  /** Distinct `source_index` values. */
  questions: number;
  /** Questions with a correct row: one row each is written. */
  kept: number;
  /** Questions with no correct row. */
  dropped: number;
}

interface Scored {
  sub_em: number;
  f1: number;
  /** 1-based line of the row. */
  line: number;
}

/**
 * Keep the best row of each question (§11.2): rows are grouped by `source_index` in first-seen order and
 * {@link selectBest} picks one per group; questions without a correct row are dropped. Rows are written as
 * they were read, to `{outDir}/{stem}-filtered.jsonl`, atomically. A line that is not JSON or lacks
 * `source_index`, `sub_em` or `f1` is an {@link InputError}.
 *
 * Two passes over the file: the first keeps only scores and line numbers, the second copies the chosen
 * lines. Memory stays small when each question's rows are contiguous (as `convert` writes them); otherwise
 * rows that arrive before an earlier question's best row are held until it is written.
 */
export async function filterSwift(o: FilterSwiftOptions): Promise<FilterSwiftSummary> {
  const best = new Map<number, Scored | undefined>();
  for await (const { line, json } of rows(o.input)) {
    const row = parseScored(json, { file: o.input, line });
    const current = best.get(row.source_index);
    best.set(row.source_index, selectBest(current === undefined ? [row.scored] : [current, row.scored]));
  }
  const outputPath = filteredOutputPath(o.input, o.outDir);
  const summary: FilterSwiftSummary = { outputPath, questions: best.size, kept: 0, dropped: 0 };
  /** Output position of each chosen line. */
  const rank = new Map<number, number>();
  for (const row of best.values()) {
    if (row === undefined) summary.dropped++;
    else rank.set(row.line, rank.size);
  }
  summary.kept = rank.size;
  await writeAtomic(outputPath, async (file) => {
    const waiting = new Map<number, string>();
    let next = 0;
    for await (const { line, json } of rows(o.input)) {
      const r = rank.get(line);
      if (r === undefined) continue;
      waiting.set(r, json);
      for (let text = waiting.get(next); text !== undefined; text = waiting.get(next)) {
        await file.write(`${text}\n`);
        waiting.delete(next++);
      }
    }
    if (next !== rank.size)
      throw new InputError("the file changed while it was being filtered", { file: o.input });
  });
  return summary;
}

/** The non-blank lines of a JSONL file (a leading byte-order mark removed). */
async function* rows(path: string): AsyncGenerator<{ line: number; json: string }> {
  try {
    yield* readJsonlTexts(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
    throw e;
  }
}

function parseScored(
  text: string,
  place: { file: string; line: number },
): { source_index: number; scored: Scored } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, place, { cause: e });
  }
  const f = new FieldReader(place);
  const o = f.object(value);
  const sourceIndex = f.index(o.source_index, "source_index");
  for (const field of ["sub_em", "f1"] as const)
    if (typeof o[field] !== "number")
      throw f.error(
        field,
        `expected a number, ${o[field] === undefined ? "but the field is missing" : `got ${JSON.stringify(o[field])}`}`,
      );
  return {
    source_index: sourceIndex,
    scored: { sub_em: o.sub_em as number, f1: o.f1 as number, line: place.line },
  };
}
