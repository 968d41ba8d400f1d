import { InputError } from "../errors.js";
import { writeAtomic } from "../io/atomic.js";
import type { RowContext } from "./build-row.js";
import type { ResolvedConvertOptions } from "./convert-options.js";
import { datasetOf } from "./names.js";
import { type BadLine, type RolloutLine, readRolloutFile } from "./rollout-file.js";
import type { SwiftRow } from "./row.js";
import type { RowModel } from "./row-model.js";

/** What {@link writeRolloutRows} counts. */
export interface RolloutRowCounts {
  /** Usable records read. */
  records: number;
  /** Rows written. */
  rows: number;
  /** Lines that could not be used; no row was written for them. */
  badLines: BadLine[];
}

/**
 * The skeleton of convert and clean: stream the rollout file `o.input` in file order, hand each usable record
 * to `rowsOf` with the context every row shares (rows are labelled `model.name`), and write the rows it
 * returns as JSON lines to `outputPath`, atomically (nothing is left behind on error). Bad lines are
 * collected, never dropped silently. Records naming two different models are an {@link InputError} naming
 * both lines: the rows of one file come from one model.
 */
export async function writeRolloutRows(
  o: ResolvedConvertOptions,
  model: RowModel,
  outputPath: string,
  rowsOf: (line: Extract<RolloutLine, { ok: true }>, ctx: RowContext) => SwiftRow[],
): Promise<RolloutRowCounts> {
  const ctx: RowContext = {
    dataset: datasetOf(o.input),
    modelTag: model.name,
  };
  const counts: RolloutRowCounts = { records: 0, rows: 0, badLines: [] };
  let firstModel: { model: string; line: number } | undefined;
  await writeAtomic(outputPath, async (file) => {
    for await (const line of readRolloutFile(o.input)) {
      if (!line.ok) {
        const { ok: _, ...bad } = line;
        counts.badLines.push(bad);
        continue;
      }
      const { model: named } = line.value;
      if (named !== undefined) {
        firstModel ??= { model: named, line: line.line };
        if (named !== firstModel.model)
          throw new InputError(
            `the record names model ${JSON.stringify(named)}, but line ${firstModel.line} names ${JSON.stringify(firstModel.model)}: a rollout file must hold the trajectories of one model`,
            { file: o.input, line: line.line, field: "model" },
          );
      }
      counts.records++;
      for (const row of rowsOf(line, ctx)) {
        await file.write(`${JSON.stringify(row)}\n`);
        counts.rows++;
      }
    }
  });
  return counts;
}
