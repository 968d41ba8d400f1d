/** The steps of a pipeline run: one data file per kind × data set × length, in that order. Pure. */
import { basename, join } from "node:path";
import { type KeychainRunConfig, keychainOutputPath } from "../keychain/run.js";
import { type PlainRunConfig, plainOutputPath } from "../plain/run.js";
import { type Shard, shardRange } from "../run/windows.js";
import { KIND_NAMES, type KindName, type PipelineConfig, type PipelineDataset } from "./config.js";

export type KindConfig = PlainRunConfig | KeychainRunConfig;

/** One data file of the pipeline. */
export interface PipelineStep {
  /** 1-based position in the run (`[3/12]`). */
  number: number;
  kind: KindName;
  dataset: PipelineDataset;
  length: number;
  /** Position of `length` in the kind's lengths. */
  lengthIndex: number;
  /** The file's question window [start, end) (positions in the filtered, shuffled question list). */
  window: { start: number; end: number };
  /** The slice of the window this run makes: the whole window, or this shard's part. */
  part: { start: number; end: number };
  /** The data file this run writes (`….shard-i-of-n.jsonl` in shard mode). */
  output: string;
  /** The unsharded data file (the merge target in shard mode; equal to `output` otherwise). */
  whole: string;
}

export function kindConfig(config: PipelineConfig, kind: KindName): KindConfig | undefined {
  return kind === "plain" ? config.plain : config.keychain;
}

/** The data file path of a kind's file, as the kind's runner names it. */
function outputPath(kind: KindName, config: KindConfig, dataset: string, n: number, length: number): string {
  return kind === "plain"
    ? plainOutputPath(config as PlainRunConfig, dataset, n, length)
    : keychainOutputPath(config as KeychainRunConfig, dataset, n, length);
}

/** Every step of the run, numbered; `shard` gives each step its part of the window and shard file name. */
export function planSteps(config: PipelineConfig, shard?: Shard): PipelineStep[] {
  const steps: PipelineStep[] = [];
  for (const kind of KIND_NAMES) {
    const base = kindConfig(config, kind);
    if (!base) continue;
    const sharded = shard ? { ...base, shard } : base;
    for (const dataset of config.datasets)
      for (const [lengthIndex, length] of base.lengths.entries()) {
        const start = base.preSamples + (base.disjointWindows ? lengthIndex * base.numSamples : 0);
        const window = { start, end: start + base.numSamples };
        steps.push({
          number: steps.length + 1,
          kind,
          dataset,
          length,
          lengthIndex,
          window,
          part: shardRange(window.start, window.end, shard),
          output: outputPath(kind, sharded, dataset.name, base.numSamples, length),
          whole: outputPath(kind, base, dataset.name, base.numSamples, length),
        });
      }
  }
  return steps;
}

/**
 * The run config that makes exactly `steps` (consecutive lengths of one kind and data set) with the kind's
 * runner: the same windows as the whole matrix, because `pre_samples` moves by the lengths left out before.
 */
export function runConfigFor(
  config: PipelineConfig,
  steps: readonly PipelineStep[],
  shard: Shard | undefined,
): KindConfig {
  const first = steps[0];
  if (!first) throw new Error("runConfigFor: no steps");
  const base = kindConfig(config, first.kind) as KindConfig;
  const run: KindConfig = {
    ...base,
    datasets: [{ ...first.dataset }],
    lengths: steps.map((s) => s.length),
    preSamples: first.window.start,
  };
  if (shard) run.shard = shard;
  else delete run.shard;
  return run;
}

/** Where a step's verl parquet files go: `{out}/verl/{kind}/{dataset}/{file stem}/`. */
export function verlDir(config: PipelineConfig, step: PipelineStep): string {
  return join(config.out, "verl", step.kind, step.dataset.name, basename(step.whole).replace(/\.jsonl$/, ""));
}

/** Steps split into maximal runs of consecutive lengths of one kind and data set. */
export function consecutiveRuns(steps: readonly PipelineStep[]): PipelineStep[][] {
  const runs: PipelineStep[][] = [];
  let current: PipelineStep[] = [];
  for (const s of steps) {
    const last = current[current.length - 1];
    if (
      last &&
      last.kind === s.kind &&
      last.dataset.name === s.dataset.name &&
      last.lengthIndex + 1 === s.lengthIndex
    )
      current.push(s);
    else {
      if (current.length > 0) runs.push(current);
      current = [s];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
