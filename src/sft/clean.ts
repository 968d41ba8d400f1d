import { join } from "node:path";
import { buildSwiftRow } from "./build-row.js";
import { cleanText } from "./clean-text.js";
import { type ConvertOptions, resolveConvertOptions, resolveRowModel } from "./convert.js";
import { cleanedOutputStem, fileStem } from "./names.js";
import type { BadLine } from "./rollout-file.js";
import { rankCorrect } from "./select-best.js";
import { writeRolloutRows } from "./write-rows.js";

/** The defaults {@link cleanTraces} fills in. */
export const CLEAN_DEFAULTS = { keepBoxed: false } as const;

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
  /**
   * Correct trajectories passed over because their text has no `</think>` and they have no separate
   * `reasoning_content` (0-based `trajectory` index); the next best correct trajectory is used instead.
   */
  skippedNoThink: { line: number; source_index: number; trajectory: number }[];
  /** Records with correct trajectories, none of which has `</think>` or separate reasoning: dropped. */
  droppedNoThink: number;
  /** Lines that could not be used (not JSON, a field missing or mistyped). */
  badLines: BadLine[];
}

/** `{outDir}/{…max_seq_N}-{modelTag}-cleaned.jsonl` */
export function cleanOutputPath(o: { input: string; outDir: string; modelTag: string }): string {
  return join(o.outDir, `${cleanedOutputStem(fileStem(o.input), o.modelTag, o.input)}.jsonl`);
}

/**
 * Rollout file → one SFT row per question (§11.4): the best trajectory (the {@link selectBest} rule), its
 * text and separate reasoning (`reasoning_content`, when the server returned one) reformatted by
 * {@link cleanText}. Records with no correct trajectory are dropped and counted. A correct trajectory with
 * neither `</think>` nor separate reasoning cannot be cleaned (the original crashed on it): it is reported and
 * the next best correct one is used; a record with none left is dropped and counted. Written atomically and
 * deterministically.
 */
export async function cleanTraces(options: CleanOptions): Promise<CleanSummary> {
  const o = resolveConvertOptions(options);
  const keepBoxed = options.keepBoxed ?? CLEAN_DEFAULTS.keepBoxed;
  const model = await resolveRowModel(o);
  const outputPath = cleanOutputPath({ ...o, modelTag: model.tag });
  let droppedNoCorrect = 0;
  let droppedNoThink = 0;
  const skippedNoThink: CleanSummary["skippedNoThink"] = [];
  const counts = await writeRolloutRows(o, model, outputPath, (line, ctx) => {
    const ranked = rankCorrect(line.value.trajectories);
    if (ranked.length === 0) {
      droppedNoCorrect++;
      return [];
    }
    for (const k of ranked) {
      const t = line.value.trajectories[k]!;
      const cleaned = cleanText(t.text, { keepBoxed }, t.reasoning_content);
      if (cleaned !== undefined) return [buildSwiftRow(line.value, t, cleaned, ctx)];
      skippedNoThink.push({ line: line.line, source_index: line.value.record.sourceIndex, trajectory: k });
    }
    droppedNoThink++;
    return [];
  });
  return {
    outputPath,
    records: counts.records,
    kept: counts.rows,
    droppedNoCorrect,
    skippedNoThink,
    droppedNoThink,
    badLines: counts.badLines,
  };
}
