import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { pyStrip } from "../scoring/python-text.js";
import { ROLLOUT_PROMPTS, type RolloutPrompt } from "../stages/rollout.js";
import { buildSwiftRow } from "./build-row.js";
import { fileStem, swiftOutputStem } from "./names.js";
import type { BadLine } from "./rollout-file.js";
import { writeRolloutRows } from "./write-rows.js";

/** What callers write. */
export interface ConvertOptions {
  /** A rollout output file (`{out}/{dataset}/{stem}-{model}.jsonl`). */
  input: string;
  /** Output folder. */
  outDir: string;
  /** Written as each row's `model` and into the output name. @default "LoongRL-14b" */
  modelTag?: string;
  /** Skip trajectories whose text is empty or whitespace. @default true */
  skipEmpty?: boolean;
  /** User message, as the rollout built it. @default "auto" (KeyChain prompt for KeyChain records, plain otherwise) */
  prompt?: RolloutPrompt;
  /** Text of a system message put first in every row. @default undefined (no system message) */
  system?: string;
}

/** Every default filled in. */
export interface ResolvedConvertOptions {
  input: string;
  outDir: string;
  modelTag: string;
  skipEmpty: boolean;
  prompt: RolloutPrompt;
  system: string | undefined;
}

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

export const DEFAULT_MODEL_TAG = "LoongRL-14b";

export function resolveConvertOptions(o: ConvertOptions): ResolvedConvertOptions {
  const problems: string[] = [];
  const modelTag = o.modelTag ?? DEFAULT_MODEL_TAG;
  if (modelTag === "" || /[/\\]/.test(modelTag))
    problems.push(`model tag must be a non-empty name without "/", got ${JSON.stringify(modelTag)}`);
  const prompt = o.prompt ?? "auto";
  if (!ROLLOUT_PROMPTS.includes(prompt))
    problems.push(`prompt must be one of ${ROLLOUT_PROMPTS.join(", ")}, got ${JSON.stringify(prompt)}`);
  if (o.system === "") problems.push("system message must not be empty (leave it out for none)");
  if (problems.length > 0) throw new ConfigError(`Invalid SFT options: ${problems.join("; ")}.`);
  return {
    input: o.input,
    outDir: o.outDir,
    modelTag,
    skipEmpty: o.skipEmpty ?? true,
    prompt,
    system: o.system,
  };
}

/** `{outDir}/{…max_seq_N}-{modelTag}-swift.jsonl` */
export function convertOutputPath(o: Pick<ResolvedConvertOptions, "input" | "outDir" | "modelTag">): string {
  return join(o.outDir, `${swiftOutputStem(fileStem(o.input), o.modelTag, o.input)}.jsonl`);
}

/**
 * Rollout file → SFT rows (§11.1): one row per trajectory, in file order, the user message being the prompt
 * the rollout sent. Bad lines are collected in the summary (the CLI fails on them unless told otherwise).
 * The output is written atomically; the same input gives the same bytes.
 */
export async function convertToSwift(options: ConvertOptions): Promise<ConvertSummary> {
  const o = resolveConvertOptions(options);
  const outputPath = convertOutputPath(o);
  let skippedEmpty = 0;
  const counts = await writeRolloutRows(o, outputPath, (line, ctx) =>
    line.value.trajectories.flatMap((t) => {
      if (o.skipEmpty && pyStrip(t.text) === "") {
        skippedEmpty++;
        return [];
      }
      return [buildSwiftRow(line.value, t, t.text, ctx)];
    }),
  );
  return { outputPath, records: counts.records, rows: counts.rows, skippedEmpty, badLines: counts.badLines };
}
