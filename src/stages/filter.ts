/**
 * Question filtering (reference §7, §8.4), composed from {@link readCorpus} and {@link runRollout}:
 *
 * - **Stage 1** ({@link runFilterStage1}): source questions → plain filter records (own paragraphs as context)
 *   → `n` samples each with the answer-is prompt (a resumable rollout; its journal is reused on restart) →
 *   pass counts → the ids whose pass count lies in a band. The original keeps 1–6 of 8 from Qwen2.5-32B and
 *   then, on the 0/8 set (written as `{name}_band_0_ids.jsonl`), 1–7 of 8 from QwQ-32B (`--from-ids`,
 *   `--keep 1-7`). The two kept sets are disjoint by construction: the second run only sees questions whose
 *   first pass count was 0, outside the first band. {@link unionIdFiles} joins them into one `--filter-ids` file.
 * - **Stage 2** ({@link runFilterAgain}): exported plain/KeyChain rows re-rolled with a trained model; rows the
 *   model solved n/n are dropped.
 */
import { basename, extname, join } from "node:path";
import { readJsonLines } from "../corpus/json-lines.js";
import { readCorpus, readIdList } from "../corpus/read.js";
import type { FormatName } from "../corpus/types.js";
import { ConfigError, InputError } from "../errors.js";
import { ByteDigest, digestFile } from "../io/digest.js";
import type { SystemPrompt } from "../prompt/messages.js";
import type { Extractor, ScoreMode } from "../scoring/index.js";
import { type FilterRecord, toFilterRecords } from "./filter-convert.js";
import {
  type Band,
  FILTER_METRICS,
  type FilterMetric,
  formatHistogram,
  histogram,
  inBand,
  parseBand,
  passCount,
  type ScoredRow,
} from "./filter-count.js";
import { type RolloutDeps, type RolloutPrompt, type RolloutSummary, runRollout } from "./rollout.js";
import { readStageInput, writeLinesAtomic } from "./stage-files.js";

// What the CLI and callers of this module need from the counting helpers.
export { type Band, FILTER_METRICS, type FilterMetric, formatHistogram, parseBand } from "./filter-count.js";

/** What callers of stage 1 write. */
export interface FilterStage1Options {
  /** A source data set in any format {@link readCorpus} reads. */
  input: string;
  /** Source format. @default detected */
  format?: FormatName;
  model: string;
  /** Samples per question. @default 8 */
  n?: number;
  /** @default 1.0 */
  temperature?: number;
  /** @default 2048 */
  maxTokens?: number;
  /** Kept pass-count band, inclusive, e.g. "1-6". @default "1-(n-2)": "1-6" for n = 8, as the original */
  keep?: string;
  /** @default "cem" */
  metric?: FilterMetric;
  /** Restrict the questions to the ids of this file (JSONL `{"id"}` or one id per line). */
  fromIds?: string;
  /** File-name prefix of the outputs. @default input stem, plus `_from_{ids stem}` with `fromIds` */
  name?: string;
  /** Output folder. @default "filter" */
  out?: string;
}

export interface FilterStage1Summary {
  rollout: RolloutSummary;
  name: string;
  n: number;
  band: Band;
  metric: FilterMetric;
  /** Questions sampled. */
  questions: number;
  /** Ids of `fromIds` not found in the source. */
  missingIds: number;
  /** Questions without an answer (not sampled). */
  unanswerable: number;
  /** Questions per pass count 0..n. */
  histogram: number[];
  kept: number;
  passCountsPath: string;
  keptIdsPath: string;
  band0IdsPath: string;
}

const stem = (path: string) => basename(path, extname(path));

/**
 * Writes `lines` (each followed by "\n") to `path` only when the file's content differs, so an unchanged
 * rollout input keeps its journal valid. The old file is compared by its SHA-256 and size, streamed.
 */
async function writeLinesIfChanged(path: string, lines: readonly string[]): Promise<void> {
  const wanted = new ByteDigest();
  for (const line of lines) wanted.update(Buffer.from(`${line}\n`));
  const want = wanted.result();
  const old = await digestFile(path).catch(() => undefined);
  if (old?.sha256 !== want.sha256 || old.size !== want.size) await writeLinesAtomic(path, lines);
}

/**
 * The pass count of each row of the rollout output, streamed. The output must match what was asked (same ids,
 * `n` samples each); `runRollout` trusts an existing output with no journal, so a changed setting under the
 * same name would otherwise be read silently.
 */
async function passCounts(
  path: string,
  ids: readonly string[],
  n: number,
  metric: FilterMetric,
): Promise<number[]> {
  const mismatch = () =>
    new ConfigError(
      `The rollout output "${path}" does not match this run (other questions or another --n); delete it, or choose another --name.`,
    );
  const counts: number[] = [];
  for await (const { value } of readJsonLines(path)) {
    const r = value as Record<string, unknown> | null;
    const i = counts.length;
    if (
      typeof r !== "object" ||
      r === null ||
      i >= ids.length ||
      r.id !== ids[i] ||
      !Array.isArray(r.trajectories) ||
      r.trajectories.length !== n
    )
      throw mismatch();
    counts.push(passCount(r as unknown as ScoredRow, metric));
  }
  if (counts.length !== ids.length) throw mismatch();
  return counts;
}

/** Stage 1: sample, count, select a band. */
export async function runFilterStage1(
  options: FilterStage1Options,
  deps: RolloutDeps,
): Promise<FilterStage1Summary> {
  const n = options.n ?? 8;
  const metric = options.metric ?? "cem";
  const problems: string[] = [];
  if (!Number.isInteger(n) || n < 1) problems.push(`n must be a positive integer, got ${n}`);
  if (!FILTER_METRICS.includes(metric))
    problems.push(`metric must be one of ${FILTER_METRICS.join(", ")}, got ${JSON.stringify(metric)}`);
  if (problems.length > 0) throw new ConfigError(`Invalid filter options: ${problems.join("; ")}.`);
  const band = parseBand(options.keep ?? `1-${Math.max(1, n - 2)}`, n);
  const out = options.out ?? "filter";
  const name =
    options.name ??
    (options.fromIds === undefined
      ? stem(options.input)
      : `${stem(options.input)}_from_${stem(options.fromIds)}`);

  const ids = options.fromIds === undefined ? undefined : await readIdList(options.fromIds);
  const corpus = await readCorpus(options.input, { format: options.format });
  const { records, unanswerable } = toFilterRecords(corpus, ids);
  if (records.length === 0)
    throw new ConfigError(
      `No questions to filter: "${options.input}" has ${corpus.qas.length} questions${ids === undefined ? "" : `, none of them listed in "${options.fromIds}"`}.`,
    );
  const found = new Set(records.map((r) => r.id));
  const missingIds = ids === undefined ? 0 : [...ids].filter((id) => !found.has(id)).length;

  const workDir = join(out, "work");
  const converted = join(workDir, name, `${name}.jsonl`);
  await writeLinesIfChanged(
    converted,
    records.map((r: FilterRecord) => JSON.stringify(r)),
  );

  const rollout = await runRollout(
    {
      input: converted,
      model: options.model,
      n,
      temperature: options.temperature ?? 1.0,
      maxTokens: options.maxTokens ?? 2048,
      prompt: "answer-is",
      extractor: "answer-is",
      mode: "default",
      out: workDir,
    },
    deps,
  );
  const counts = await passCounts(
    rollout.outputPath,
    records.map((r) => r.id),
    n,
    metric,
  );

  const passCountsPath = join(out, `${name}_pass_counts.jsonl`);
  const keptIdsPath = join(out, `${name}_kept_ids.jsonl`);
  const band0IdsPath = join(out, `${name}_band_0_ids.jsonl`);
  const idOf = (i: number) => (records[i] as FilterRecord).id;
  await writeLinesAtomic(
    passCountsPath,
    counts.map((c, i) => JSON.stringify({ id: idOf(i), pass_count: c, n })),
  );
  const kept = counts.flatMap((c, i) => (inBand(c, band) ? [JSON.stringify({ id: idOf(i) })] : []));
  await writeLinesAtomic(keptIdsPath, kept);
  await writeLinesAtomic(
    band0IdsPath,
    counts.flatMap((c, i) => (c === 0 ? [JSON.stringify({ id: idOf(i) })] : [])),
  );
  return {
    rollout,
    name,
    n,
    band,
    metric,
    questions: records.length,
    missingIds,
    unanswerable: unanswerable.length,
    histogram: histogram(counts, n),
    kept: kept.length,
    passCountsPath,
    keptIdsPath,
    band0IdsPath,
  };
}

/** The end-of-run text of stage 1: histogram and the files written. */
export function formatStage1Report(s: FilterStage1Summary): string {
  return (
    formatHistogram(s.histogram, `pass counts (${s.metric}, n = ${s.n}) over ${s.questions} questions`) +
    (s.missingIds > 0 ? `  ids listed but not in the source: ${s.missingIds}\n` : "") +
    (s.unanswerable > 0 ? `  questions without an answer, not sampled: ${s.unanswerable}\n` : "") +
    `kept ${s.kept} with pass count ${s.band.min}-${s.band.max}: ${s.keptIdsPath}\n` +
    `pass count 0 (for a second model via --from-ids): ${s.band0IdsPath}\n` +
    `pass counts: ${s.passCountsPath}\n`
  );
}

/** What callers of stage 2 write. */
export interface FilterAgainOptions {
  /** Plain or KeyChain JSONL as written by `plain` / `keychain`. */
  input: string;
  model: string;
  /** @default 8 */
  n?: number;
  /** @default 0.6 */
  temperature?: number;
  /** @default 4096 */
  maxTokens?: number;
  /** @default "auto" */
  prompt?: RolloutPrompt;
  /** @default "none" (the original used the model's default chat template, §8.2) */
  systemPrompt?: SystemPrompt;
  /** @default rollout's default for the prompt */
  extractor?: Extractor;
  /** @default "default" */
  mode?: ScoreMode;
  /** @default "filter" */
  out?: string;
}

export interface FilterAgainSummary {
  rollout: RolloutSummary;
  n: number;
  records: number;
  /** Rows kept (solved fewer than n times). */
  kept: number;
  histogram: number[];
  outputPath: string;
}

/** Stage 2 (§8.4): keep the rows a trained model solves fewer than `n` of `n` times, in input order. */
export async function runFilterAgain(
  options: FilterAgainOptions,
  deps: RolloutDeps,
): Promise<FilterAgainSummary> {
  const n = options.n ?? 8;
  const out = options.out ?? "filter";
  const rollout = await runRollout(
    {
      input: options.input,
      model: options.model,
      n,
      temperature: options.temperature ?? 0.6,
      maxTokens: options.maxTokens ?? 4096,
      prompt: options.prompt ?? "auto",
      systemPrompt: options.systemPrompt ?? "none",
      extractor: options.extractor,
      mode: options.mode ?? "default",
      out: join(out, "work"),
    },
    deps,
  );
  const inputLines = (await readStageInput(options.input)).lines.map((l) => l.text);
  const counts: number[] = [];
  for await (const { value } of readJsonLines(rollout.outputPath))
    counts.push(Number((value as { num_correct?: unknown } | null)?.num_correct ?? 0));
  if (counts.length !== inputLines.length)
    throw new InputError(
      `the rollout output "${rollout.outputPath}" has ${counts.length} rows for ${inputLines.length} input rows; delete it and rerun`,
      { file: options.input },
    );
  const outputPath = join(out, `${stem(options.input)}_filter_again.jsonl`);
  const kept = inputLines.filter((_, i) => (counts[i] ?? 0) < n);
  await writeLinesAtomic(outputPath, kept);
  return {
    rollout,
    n,
    records: inputLines.length,
    kept: kept.length,
    histogram: histogram(counts, n),
    outputPath,
  };
}

export function formatAgainReport(s: FilterAgainSummary): string {
  return (
    formatHistogram(s.histogram, `pass counts (n = ${s.n}) over ${s.records} rows`) +
    `kept ${s.kept} of ${s.records} rows (dropped ${s.records - s.kept} solved ${s.n}/${s.n}): ${s.outputPath}\n`
  );
}

/** Union of two id files (first file's order, then the second's new ids) written as JSONL `{"id"}`. */
export async function unionIdFiles(
  a: string,
  b: string,
  out: string,
): Promise<{ a: number; b: number; overlap: number; union: number }> {
  const first = await readIdList(a);
  const second = await readIdList(b);
  const overlap = [...second].filter((id) => first.has(id)).length;
  const all = new Set([...first, ...second]);
  await writeLinesAtomic(
    out,
    [...all].map((id) => JSON.stringify({ id })),
  );
  return { a: first.size, b: second.size, overlap, union: all.size };
}
