import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readJsonArray } from "../corpus/json-array.js";
import { ConfigError, describeType, InputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { PROMPT_CLASSES, type PromptClass } from "./rollout-logs-classify.js";
import {
  type ClassStepStats,
  formatNumber,
  type RolloutLogAnalysis,
  StepAccumulator,
  type StepStats,
} from "./rollout-logs-stats.js";

export * from "./rollout-logs-classify.js";
export { rolloutLogSection } from "./rollout-logs-section.js";
export {
  type ClassStepStats,
  formatNumber,
  type RolloutLogAnalysis,
  roundHalfEven,
  StepAccumulator,
  type StepStats,
} from "./rollout-logs-stats.js";

/** Options of {@link analyzeRolloutLogs}, as the caller writes them. */
export interface RolloutLogOptions {
  /** Rollouts per prompt (verl's `actor_rollout_ref.rollout.n`); sets the bins `0..repeats`. @default 16 */
  repeats?: number;
  /** Called after each step file, with the files done, the file count and the step just read. */
  onProgress?: (done: number, total: number, step: number) => void;
  /** Stops reading between log entries. */
  signal?: AbortSignal;
  /** Bytes per read of a log file. @default 1048576 (1 MiB) */
  chunkSize?: number;
}

/** {@link RolloutLogOptions} with every default filled in. */
export interface ResolvedRolloutLogOptions {
  repeats: number;
  onProgress: ((done: number, total: number, step: number) => void) | undefined;
  signal: AbortSignal | undefined;
  chunkSize: number;
}

export function resolveRolloutLogOptions(o: RolloutLogOptions = {}): ResolvedRolloutLogOptions {
  const repeats = o.repeats ?? 16;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 4096) {
    throw new ConfigError(
      `Bad repeats ${JSON.stringify(repeats)}: use a whole number of rollouts per prompt ≥ 1`,
    );
  }
  return { repeats, onProgress: o.onProgress, signal: o.signal, chunkSize: o.chunkSize ?? 1 << 20 };
}

/** `global_step_{N}.json`, the file name verl's rollout logger writes per training step. */
const STEP_FILE = /^global_step_(\d+)\.json$/;

/**
 * Reads every `global_step_{N}.json` in `dir` (each a JSON array of `{input, score}`), streaming so that
 * multi-gigabyte logs stay out of memory, and computes the per-step, per-class difficulty statistics of
 * the original `check_score_var.py`. Bad entries are {@link InputError}s naming the file, record and field.
 */
export async function analyzeRolloutLogs(dir: string, o?: RolloutLogOptions): Promise<RolloutLogAnalysis> {
  const opts = resolveRolloutLogOptions(o);
  const files = await listStepFiles(dir);
  const steps: StepStats[] = [];
  for (const [i, { step, file }] of files.entries()) {
    steps.push(await analyzeStepFile(file, step, opts));
    opts.onProgress?.(i + 1, files.length, step);
  }
  return { dir, repeats: opts.repeats, steps, missingSteps: findGaps(steps.map((s) => s.step)) };
}

/** The step files of `dir`, by ascending step number. Two files for one step (`_7`, `_07`) are an error. */
async function listStepFiles(dir: string): Promise<Array<{ step: number; file: string }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a folder" : String(error);
    throw new InputError(`Cannot read rollout-log folder "${dir}": ${why}`, {}, { cause: error });
  }
  const byStep = new Map<number, string>();
  for (const name of names.sort()) {
    const m = STEP_FILE.exec(name);
    if (!m) continue;
    const step = Number(m[1]);
    const other = byStep.get(step);
    if (other !== undefined) {
      throw new InputError(
        `Rollout-log folder "${dir}" has two files for step ${step}: ${other} and ${name}`,
      );
    }
    byStep.set(step, name);
  }
  if (byStep.size === 0) {
    throw new InputError(`Rollout-log folder "${dir}" has no global_step_{N}.json files`);
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, name]) => ({ step, file: join(dir, name) }));
}

async function analyzeStepFile(
  file: string,
  step: number,
  opts: ResolvedRolloutLogOptions,
): Promise<StepStats> {
  const acc = new StepAccumulator(opts.repeats);
  for await (const { value, place } of readJsonArray(file, { chunkSize: opts.chunkSize })) {
    opts.signal?.throwIfAborted();
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InputError(`expected an object {input, score}, got ${describeType(value)}`, place);
    }
    const { input, score } = value as { input?: unknown; score?: unknown };
    if (typeof input !== "string") {
      const got = input === undefined ? "it is missing" : `got ${describeType(input)}`;
      throw new InputError(`expected a string, ${got}`, { ...place, field: "input" });
    }
    if (score === undefined) {
      throw new InputError("expected a finite number, it is missing", { ...place, field: "score" });
    }
    if (typeof score !== "number" || !Number.isFinite(score)) {
      const got = typeof score === "number" ? String(score) : describeType(score);
      throw new InputError(`expected a finite number, got ${got}`, { ...place, field: "score" });
    }
    acc.add(input, score);
  }
  return acc.finish(step, file);
}

/** The integers missing from an ascending list between its first and last element. */
export function findGaps(sorted: readonly number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    for (let n = (sorted[i - 1] as number) + 1; n < (sorted[i] as number); n++) gaps.push(n);
  }
  return gaps;
}

/** Column groups of `reward_stats.csv`: all classes together, then each class. */
const STAT_GROUPS: ReadonlyArray<"all" | PromptClass> = ["all", ...PROMPT_CLASSES];

const STAT_COLUMNS: ReadonlyArray<[string, (s: ClassStepStats) => number | null]> = [
  ["samples", (s) => s.samples],
  ["prompts", (s) => s.prompts],
  ["mean_reward", (s) => s.meanReward],
  ["var_input_cnt", (s) => s.varPrompts],
  ["all_right", (s) => s.allRight],
  ["all_wrong", (s) => s.allWrong],
  ["irregular_prompts", (s) => s.irregularPrompts],
];

/** The text of `reward_stats.csv`: a row per step; `{group}_{stat}` columns for all, longqa, longqa_dis, other. */
export function rewardStatsCsv(a: RolloutLogAnalysis): string {
  const header = ["step"];
  for (const g of STAT_GROUPS) for (const [name] of STAT_COLUMNS) header.push(`${g}_${name}`);
  header.push("unseparated_inputs");
  const lines = [header.join(",")];
  for (const s of a.steps) {
    const row: string[] = [String(s.step)];
    for (const g of STAT_GROUPS) {
      const stats = g === "all" ? s.all : s.classes[g];
      for (const [, get] of STAT_COLUMNS) row.push(formatNumber(get(stats)));
    }
    row.push(String(s.unseparated));
    lines.push(row.join(","));
  }
  return lines.join("\n") + "\n";
}

/** The text of a score-bin CSV (`step,bin_0..bin_{repeats}`) for one class. */
export function scoreBinsCsv(a: RolloutLogAnalysis, cls: PromptClass): string {
  const header = ["step", ...Array.from({ length: a.repeats + 1 }, (_, k) => `bin_${k}`)];
  const lines = [header.join(",")];
  for (const s of a.steps) lines.push([s.step, ...s.classes[cls].scoreBins].join(","));
  return lines.join("\n") + "\n";
}

/**
 * Writes the original's CSVs into `outDir`, each atomically: `reward_stats.csv`, `longqa_bins.csv` and
 * `longqa_dis_bins.csv`. Returns their paths in that order. Same analysis ⇒ byte-identical files.
 */
export async function writeRolloutLogCsvs(a: RolloutLogAnalysis, outDir: string): Promise<string[]> {
  const files: Array<[string, string]> = [
    ["reward_stats.csv", rewardStatsCsv(a)],
    ["longqa_bins.csv", scoreBinsCsv(a, "longqa")],
    ["longqa_dis_bins.csv", scoreBinsCsv(a, "longqa_dis")],
  ];
  const paths: string[] = [];
  for (const [name, text] of files) {
    const path = join(outDir, name);
    await writeFileAtomic(path, text);
    paths.push(path);
  }
  return paths;
}
