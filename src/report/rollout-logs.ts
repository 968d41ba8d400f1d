import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readJsonArray } from "../corpus/json-array.js";
import { readJsonLines } from "../corpus/json-lines.js";
import { ConfigError, describeType, InputError, type Place } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { PROMPT_CLASSES, type PromptClass } from "./rollout-logs-classify.js";
import {
  type ClassStepStats,
  formatNumber,
  type RolloutLogAnalysis,
  type RolloutLogLayout,
  StepAccumulator,
  type StepStats,
} from "./rollout-logs-stats.js";

export * from "./rollout-logs-classify.js";
export { rolloutLogSection } from "./rollout-logs-section.js";
export {
  type ClassStepStats,
  formatNumber,
  type RolloutLogAnalysis,
  type RolloutLogLayout,
  roundHalfEven,
  StepAccumulator,
  type StepStats,
} from "./rollout-logs-stats.js";

/** The defaults {@link resolveRolloutLogOptions} fills in. */
export const ROLLOUT_LOG_DEFAULTS = { repeats: 16, chunkSize: 1 << 20 } as const;

/** Options of {@link analyzeRolloutLogs}, as the caller writes them. */
export interface RolloutLogOptions {
  /** Rollouts per prompt (verl's `actor_rollout_ref.rollout.n`); sets the bins `0..repeats`. @default 16 */
  repeats?: number;
  /** Called after each step file, with the files done, the file count and the step just read. */
  onProgress?: (done: number, total: number, step: number) => void;
  /** Stops reading between log entries. */
  signal?: AbortSignal;
  /** Bytes per read of a `global_step_{N}.json` file (`{N}.jsonl` files are read line by line). @default 1048576 (1 MiB) */
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
  const repeats = o.repeats ?? ROLLOUT_LOG_DEFAULTS.repeats;
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 4096) {
    throw new ConfigError(
      `Bad repeats ${JSON.stringify(repeats)}: use a whole number of rollouts per prompt ≥ 1`,
    );
  }
  return {
    repeats,
    onProgress: o.onProgress,
    signal: o.signal,
    chunkSize: o.chunkSize ?? ROLLOUT_LOG_DEFAULTS.chunkSize,
  };
}

/**
 * The step file name of each {@link RolloutLogLayout}, the two layouts verl writes rollout logs in, told apart
 * by the file names in the folder:
 *
 * - `global-step-json`: `global_step_{N}.json`, one JSON array per training step of
 *   `{"input": "<whole chat: prompt and response>", "score": <reward>}` (the logger the original
 *   `check_score_var.py` read).
 * - `step-jsonl`: `{N}.jsonl`, what verl's own `trainer.rollout_data_dir` writes: one JSON object per line,
 *   `{"input", "output", "gts", "score", "step", …}`. Relied on: volcengine/verl
 *   `verl/trainer/ppo/ray_trainer.py`, `RayPPOTrainer._dump_generations` (file
 *   `os.path.join(dump_path, f"{self.global_steps}.jsonl")`, keys `input`, `output`, `gts`, `score`, `step`, then
 *   every `reward_extra_infos_dict` list as a key of its own) and its call in `fit()`, where `input` is
 *   `tokenizer.batch_decode(batch.batch["prompts"], skip_special_tokens=True)` — the prompt alone, without the
 *   response or the chat markers — and `score` is `token_level_scores.sum(-1)`. `gts` is absent in older verl.
 *
 * The step number is the pattern's first group.
 */
const STEP_FILES: Readonly<Record<RolloutLogLayout, { pattern: RegExp; name: string }>> = {
  "global-step-json": { pattern: /^global_step_(\d+)\.json$/, name: "global_step_{N}.json" },
  "step-jsonl": { pattern: /^(\d+)\.jsonl$/, name: "{N}.jsonl" },
};

const LAYOUTS = Object.keys(STEP_FILES) as RolloutLogLayout[];

/**
 * Reads every step file of `dir`, `global_step_{N}.json` or `{N}.jsonl` ({@link RolloutLogLayout}; a folder
 * holds one layout), streaming so that multi-gigabyte logs stay out of memory, and computes the per-step,
 * per-class difficulty statistics of the original `check_score_var.py`. Bad entries are {@link InputError}s
 * naming the file, the line (and record) and the field.
 */
export async function analyzeRolloutLogs(dir: string, o?: RolloutLogOptions): Promise<RolloutLogAnalysis> {
  const opts = resolveRolloutLogOptions(o);
  const { layout, files } = await listStepFiles(dir);
  const steps: StepStats[] = [];
  for (const [i, { step, file }] of files.entries()) {
    steps.push(await analyzeStepFile(file, step, layout, opts));
    opts.onProgress?.(i + 1, files.length, step);
  }
  return { dir, layout, repeats: opts.repeats, steps, missingSteps: findGaps(steps.map((s) => s.step)) };
}

/**
 * The layout and step files of `dir`, by ascending step number. A folder with files of both layouts, or with
 * two files for one step (`_7`, `_07`), is an error.
 */
async function listStepFiles(
  dir: string,
): Promise<{ layout: RolloutLogLayout; files: Array<{ step: number; file: string }> }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a folder" : String(error);
    throw new InputError(`Cannot read rollout-log folder "${dir}": ${why}`, {}, { cause: error });
  }
  const byLayout = new Map<RolloutLogLayout, Map<number, string>>();
  for (const name of names.sort()) {
    for (const layout of LAYOUTS) {
      const m = STEP_FILES[layout].pattern.exec(name);
      if (!m) continue;
      const step = Number(m[1]);
      const byStep = byLayout.get(layout) ?? new Map<number, string>();
      byLayout.set(layout, byStep);
      const other = byStep.get(step);
      if (other !== undefined) {
        throw new InputError(
          `Rollout-log folder "${dir}" has two files for step ${step}: ${other} and ${name}`,
        );
      }
      byStep.set(step, name);
    }
  }
  const [layout, ...others] = [...byLayout.keys()];
  if (layout === undefined) {
    const wanted = LAYOUTS.map((l) => STEP_FILES[l].name).join(" or ");
    throw new InputError(`Rollout-log folder "${dir}" has no ${wanted} files`);
  }
  if (others.length > 0) {
    const held = LAYOUTS.map((l) => `${STEP_FILES[l].name} (${fileList([...byLayout.get(l)!.values()])})`);
    throw new InputError(
      `Rollout-log folder "${dir}" holds two layouts: ${held.join(" and ")}; keep one layout per folder`,
    );
  }
  const files = [...byLayout.get(layout)!.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, name]) => ({ step, file: join(dir, name) }));
  return { layout, files };
}

/** `a, b, c` or `a, b, c and 4 more`. */
function fileList(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(", ");
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}

async function analyzeStepFile(
  file: string,
  step: number,
  layout: RolloutLogLayout,
  opts: ResolvedRolloutLogOptions,
): Promise<StepStats> {
  const acc = new StepAccumulator(opts.repeats);
  const entries =
    layout === "step-jsonl" ? readJsonLines(file) : readJsonArray(file, { chunkSize: opts.chunkSize });
  for await (const { value, place } of entries) {
    opts.signal?.throwIfAborted();
    if (layout === "step-jsonl") {
      const { input, score } = readLogEntry(value, place, step);
      acc.addPrompt(input, score);
    } else {
      const { input, score } = readLogEntry(value, place);
      acc.add(input, score);
    }
  }
  return acc.finish(step, file);
}

/**
 * The `input` and `score` of one log entry, checked; other keys (`output`, `gts`, reward extras) are not read.
 * With `step` (the `{N}.jsonl` layout), an entry's `step` key, when present, must be the file's step.
 */
function readLogEntry(value: unknown, place: Place, step?: number): { input: string; score: number } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`expected an object {input, score}, got ${describeType(value)}`, place);
  }
  const entry = value as { input?: unknown; score?: unknown; step?: unknown };
  const { input, score } = entry;
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
  if (step !== undefined && entry.step !== undefined && entry.step !== step) {
    const got = typeof entry.step === "number" ? String(entry.step) : describeType(entry.step);
    throw new InputError(`expected ${step}, the step of the file name, got ${got}`, {
      ...place,
      field: "step",
    });
  }
  return { input, score };
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
