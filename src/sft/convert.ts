import { join } from "node:path";
import { pyStrip } from "../scoring/python-text.js";
import { buildSwiftRow } from "./build-row.js";
import { type ConvertOptions, resolveConvertOptions } from "./convert-options.js";
import { fileStem, swiftOutputStem } from "./names.js";
import type { BadLine } from "./rollout-file.js";
import { resolveRowModel } from "./row-model.js";
import { writeRolloutRows } from "./write-rows.js";

// Re-exported for the modules that import the options with convert (clean.ts).
export {
  type ConvertOptions,
  type ResolvedConvertOptions,
  resolveConvertOptions,
} from "./convert-options.js";
export { type RowModel, resolveRowModel } from "./row-model.js";

export interface ConvertSummary {
  outputPath: string;
  /** Usable records read. */
  records: number;
  /** Rows written. */
  rows: number;
  /** Trajectories skipped for empty or whitespace text. */
  skippedEmpty: number;
  /** Lines that could not be used (not JSON, a field missing or mistyped); no row was written for them. */
  badLines: BadLine[];
}

/** `{outDir}/{…max_seq_N}-{modelTag}-swift.jsonl` */
export function convertOutputPath(o: { input: string; outDir: string; modelTag: string }): string {
  return join(o.outDir, `${swiftOutputStem(fileStem(o.input), o.modelTag, o.input)}.jsonl`);
}

/**
 * Rollout file → SFT rows (§11.1): one row per trajectory, in file order, the user message being the prompt
 * the rollout sent, the assistant turn the {@link assistantTurn} of the trajectory. Bad lines are collected
 * in the summary (the CLI fails on them unless told otherwise). The output is written atomically; the same
 * input gives the same bytes.
 */
export async function convertToSwift(options: ConvertOptions): Promise<ConvertSummary> {
  const o = resolveConvertOptions(options);
  const model = await resolveRowModel(o);
  const outputPath = convertOutputPath({ ...o, modelTag: model.tag });
  let skippedEmpty = 0;
  const counts = await writeRolloutRows(o, model, outputPath, (line, ctx) =>
    line.value.trajectories.flatMap((t) => {
      if (o.skipEmpty && pyStrip(t.text) === "") {
        skippedEmpty++;
        return [];
      }
      return [buildSwiftRow(line.value, t, assistantTurn(t), ctx)];
    }),
  );
  return { outputPath, records: counts.records, rows: counts.rows, skippedEmpty, badLines: counts.badLines };
}

/**
 * The assistant turn of a converted row. Without separate reasoning it is the text unchanged. With it (a
 * server with a reasoning parser split the thinking off into `reasoning_content`), the two are joined back as
 * `<think>{reasoning}</think>{text}`, both unchanged. That is the model's output in the form thinking models
 * are trained on and their chat templates render, the form `clean` and the thinking extractor read, and the
 * form of the rows from a server without a parser; the bare text would teach the model to answer without
 * thinking. Nothing is stripped or added (no newline after `</think>`: the text keeps the model's own), as
 * convert copies outputs and `clean` is where they get reformatted.
 */
export function assistantTurn(t: { text: string; reasoning_content?: string }): string {
  return t.reasoning_content === undefined ? t.text : `<think>${t.reasoning_content}</think>${t.text}`;
}
