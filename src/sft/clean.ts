import { join } from "node:path";
import { buildSwiftRow } from "./build-row.js";
import { cleanText } from "./clean-text.js";
import { type ConvertOptions, resolveConvertOptions } from "./convert.js";
import { cleanedOutputStem, fileStem } from "./names.js";
import type { BadLine } from "./rollout-file.js";
import { selectBest } from "./select-best.js";
import { writeRolloutRows } from "./write-rows.js";

/** What callers write. `skipEmpty` does not apply: a correct trajectory is never empty. */
export interface CleanOptions extends ConvertOptions {
  /** Keep the answer as `\boxed{…}` (RL rewards need it) rather than the bare answer. @default false */
  keepBoxed?: boolean;
}

export interface CleanSummary {
  outputPath: string;
  /** Usable records read. */
  records: number;
  /** Rows written (one per kept record). */
  kept: number;
  /** Records none of whose trajectories is correct. */
  droppedNoCorrect: number;
  /** Records whose best trajectory has no `</think>`: reported and skipped. */
  skippedNoThink: { line: number; source_index: number }[];
  /** Lines that could not be used (not JSON, a field missing or mistyped). */
  badLines: BadLine[];
}

/** `{outDir}/{…max_seq_N}-{modelTag}-cleaned.jsonl` */
export function cleanOutputPath(o: { input: string; outDir: string; modelTag: string }): string {
  return join(o.outDir, `${cleanedOutputStem(fileStem(o.input), o.modelTag, o.input)}.jsonl`);
}

/**
 * Rollout file → one SFT row per question (§11.4): the best trajectory ({@link selectBest}), its text
 * reformatted by {@link cleanText}. Records with no correct trajectory are dropped and counted; a best
 * trajectory without `</think>` is reported and its record skipped. Written atomically, deterministically.
 */
export async function cleanTraces(options: CleanOptions): Promise<CleanSummary> {
  const o = resolveConvertOptions(options);
  const keepBoxed = options.keepBoxed ?? false;
  const outputPath = cleanOutputPath(o);
  let droppedNoCorrect = 0;
  const skippedNoThink: CleanSummary["skippedNoThink"] = [];
  const counts = await writeRolloutRows(o, outputPath, (line, ctx) => {
    const best = selectBest(line.value.trajectories);
    if (best === undefined) {
      droppedNoCorrect++;
      return [];
    }
    const cleaned = cleanText(best.text, { keepBoxed });
    if (cleaned === undefined) {
      skippedNoThink.push({ line: line.line, source_index: line.value.record.sourceIndex });
      return [];
    }
    return [buildSwiftRow(line.value, best, cleaned, ctx)];
  });
  return {
    outputPath,
    records: counts.records,
    kept: counts.rows,
    droppedNoCorrect,
    skippedNoThink,
    badLines: counts.badLines,
  };
}
