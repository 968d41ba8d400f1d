/**
 * The pipeline runner: every kind × data set × length file of a config, made with the plain and KeyChain
 * runners, skipped when already up to date, then exported for verl; a manifest rewritten after every step.
 */
import { basename } from "node:path";
import { SerialQueue } from "../async/serial-queue.js";
import { ConfigError } from "../errors.js";
import type { ExportVerlResult } from "../export/verl.js";
import { type KeychainRunConfig, runKeychainConfig } from "../keychain/run.js";
import { type PlainRunConfig, runPlainConfig } from "../plain/run.js";
import type { FileSummary, RunEvent } from "../run/matrix.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { PipelineConfig } from "./config.js";
import { exportStep } from "./export-step.js";
import { hashStepInputs } from "./inputs.js";
import {
  configJson,
  errorMessage,
  failedStep,
  type Manifest,
  type ManifestStep,
  manifestPath,
  pendingStep,
  shardJson,
  withSummary,
  writeManifest,
} from "./manifest.js";
import { consecutiveRuns, type PipelineStep, planSteps, runConfigFor, verlDir } from "./plan.js";
import type { ShardChoice } from "./shard-env.js";
import { findShardFiles } from "./shard-files.js";
import { checkFresh, type PipelineStamp, stampSidecar } from "./sidecar.js";

export interface PipelineRunOptions {
  /** This machine's shard; undefined makes whole files (and exports them). */
  shard?: ShardChoice;
  /** Redo every step and export, even those up to date. @default false */
  force?: boolean;
}

export interface PipelineDeps {
  counter: TokenCounter;
  onEvent?: (e: PipelineEvent) => void;
  /** Clock for timings, in ms. @default performance.now */
  now?: () => number;
}

/** What the runner reports; the CLI prints `[3/12] keychain hotpotqa 16384` lines and progress bars. */
export type PipelineEvent =
  | { type: "plan"; steps: number; toRun: number; manifest: string; exportSkippedForShard: boolean }
  | { type: "step-skip"; step: PipelineStep; total: number }
  | { type: "step-start"; step: PipelineStep; total: number; reason: string }
  | { type: "step-done"; step: PipelineStep; total: number; summary: FileSummary }
  | { type: "run"; event: RunEvent }
  | { type: "export-start"; step: PipelineStep; total: number; dir: string }
  | {
      type: "export-done";
      step: PipelineStep;
      total: number;
      dir: string;
      status: "done" | "skipped-existing" | "skipped-empty";
      result?: Pick<ExportVerlResult, "train" | "test" | "valid" | "withheld">;
    };

export interface PipelineResult {
  manifest: Manifest;
  manifestPath: string;
  /** Summaries of the files made by this run (not of those skipped). */
  summaries: FileSummary[];
}

export async function runPipeline(
  config: PipelineConfig,
  deps: PipelineDeps,
  options: PipelineRunOptions = {},
): Promise<PipelineResult> {
  const now = deps.now ?? (() => performance.now());
  const emit = deps.onEvent ?? (() => {});
  const t0 = now();
  const shard = options.shard?.shard;
  const force = options.force ?? false;
  const steps = planSteps(config, shard);
  const total = steps.length;

  const { sourceSha256: sourceSha, filterIds, keys } = await hashStepInputs(config, steps, deps.counter.id);
  const fingerprints = new Map<string, string>();

  const entries: ManifestStep[] = steps.map(pendingStep);
  const reasons: (string | undefined)[] = [];
  for (const [i, step] of steps.entries()) {
    if (force) {
      reasons[i] = "--force";
      continue;
    }
    const f = await checkFresh(step.output, {
      key: keys[i] as string,
      tokenizerId: deps.counter.id,
      sourceSha256: sourceSha.get(step.dataset.name) as string,
      window: step.window,
      part: step.part,
    });
    if (f.fresh) {
      entries[i] = {
        ...withSummary(entries[i] as ManifestStep, f.sidecar.summary),
        status: "skipped-existing",
      };
      fingerprints.set(step.dataset.name, f.sidecar.source_fingerprint);
    } else reasons[i] = f.reason;
  }
  if (!shard && !force) await refuseUnmergedShards(steps.filter((_, i) => reasons[i] !== undefined));

  const path = manifestPath(config.out, shard);
  const manifest: Manifest = {
    version: 1,
    status: "running",
    config_file: config.source?.path ?? null,
    config_sha256: config.source?.sha256 ?? null,
    config: configJson(config),
    tokenizer: { spec: config.tokenizer, name: deps.counter.name, id: deps.counter.id },
    shard: shardJson(options.shard),
    inputs: { datasets: [], filter_ids: filterIds ?? null },
    steps: entries,
    totals: { pending: 0, done: 0, "skipped-existing": 0, failed: 0, written: 0, requested: 0 },
    timings_ms: { total: 0 },
  };
  const save = async () => {
    manifest.inputs.datasets = config.datasets.map((d) => ({
      name: d.name,
      path: d.path,
      format: d.format ?? null,
      sha256: sourceSha.get(d.name) as string,
      source_fingerprint: fingerprints.get(d.name) ?? null,
    }));
    manifest.timings_ms.total = Math.round(now() - t0);
    await writeManifest(path, manifest);
  };
  await save();
  emit({
    type: "plan",
    steps: total,
    toRun: reasons.filter((r) => r !== undefined).length,
    manifest: path,
    exportSkippedForShard: shard !== undefined && config.verl !== undefined,
  });

  const summaries: FileSummary[] = [];
  const stampFor = (i: number): PipelineStamp => ({
    step_key: keys[i] as string,
    source_sha256: sourceSha.get((steps[i] as PipelineStep).dataset.name) as string,
    config_sha256: config.source?.sha256 ?? null,
    shard: shard ?? null,
  });

  try {
    const pending = steps.filter((_, i) => reasons[i] !== undefined);
    const runs = consecutiveRuns(pending);
    let r = 0;
    for (const [i, step] of steps.entries()) {
      if (reasons[i] === undefined) {
        emit({ type: "step-skip", step, total });
        continue;
      }
      const run = runs[r];
      if (run?.[0] !== step) continue;
      r++;
      await runSteps(run);
    }
    if (!shard && config.verl) await exportAll(config.verl);
  } catch (e) {
    // The manifest must not stay "running": it records the failure (the failed step is marked where it
    // failed), and the original error is the one reported even when this write fails too (a full disk).
    manifest.status = "failed";
    manifest.error = errorMessage(e);
    try {
      await save();
    } catch (saveError) {
      if (e instanceof Error && saveError !== e)
        e.message += ` (the manifest "${path}" could not be updated either: ${errorMessage(saveError)})`;
    }
    throw e;
  }
  manifest.status = "done";
  await save();
  return { manifest, manifestPath: path, summaries };

  /** Make consecutive lengths of one kind and data set with one runner call (the data set is read once). */
  async function runSteps(run: PipelineStep[]): Promise<void> {
    const first = run[0] as PipelineStep;
    const runConfig = runConfigFor(config, run, shard);
    const byPath = new Map(run.map((s) => [s.output, s]));
    const indexOf = (s: PipelineStep) => s.number - 1;
    const queue = new SerialQueue();
    let current: PipelineStep | undefined;
    let loadMs = 0;
    const onEvent = (e: RunEvent) => {
      emit({ type: "run", event: e });
      if (e.type === "corpus" || e.type === "token-cache-done") loadMs += e.ms;
      else if (e.type === "file-start") {
        current = byPath.get(e.path);
        if (!current)
          throw new Error(`The ${first.kind} runner wrote "${e.path}", which the plan does not know`);
        emit({ type: "step-start", step: current, total, reason: reasons[indexOf(current)] as string });
      } else if (e.type === "file-done") {
        const step = current as PipelineStep;
        current = undefined;
        const i = indexOf(step);
        const load = loadMs;
        loadMs = 0;
        summaries.push(e.summary);
        queue.add(async () => {
          let meta: Awaited<ReturnType<typeof stampSidecar>>;
          try {
            meta = await stampSidecar(step.output, stampFor(i));
          } catch (error) {
            entries[i] = failedStep(entries[i] as ManifestStep, step, error);
            throw error;
          }
          fingerprints.set(step.dataset.name, meta.source_fingerprint);
          entries[i] = {
            ...withSummary(entries[i] as ManifestStep, e.summary),
            status: "done",
            reason: reasons[i] as string,
            timings_ms: { load: Math.round(load), synthesize: Math.round(e.summary.ms), export: null },
          };
          await save();
        });
        emit({ type: "step-done", step, total, summary: e.summary });
      }
    };
    const runDeps = { counter: deps.counter, onEvent, now };
    try {
      if (first.kind === "plain") await runPlainConfig(runConfig as PlainRunConfig, runDeps);
      else await runKeychainConfig(runConfig as KeychainRunConfig, runDeps);
    } catch (e) {
      await queue.drain().catch(() => {});
      const failed = current ? [current] : run.filter((s) => entries[indexOf(s)]?.status === "pending");
      for (const s of failed) entries[indexOf(s)] = failedStep(entries[indexOf(s)] as ManifestStep, first, e);
      throw e;
    }
    await queue.drain();
  }

  async function exportAll(verl: NonNullable<PipelineConfig["verl"]>): Promise<void> {
    for (const [i, step] of steps.entries()) {
      const entry = entries[i] as ManifestStep;
      const dir = verlDir(config, step);
      emit({ type: "export-start", step, total, dir });
      const t = now();
      try {
        const outcome = await exportStep(
          step.output,
          dir,
          verl,
          entry.counts?.written ?? 0,
          keys[i] as string,
          !force && entry.status === "skipped-existing",
        );
        const result = outcome.status === "skipped-empty" ? undefined : outcome.result;
        entry.export = {
          dir,
          status: outcome.status,
          ...(result
            ? { train: result.train, test: result.test, valid: result.valid, withheld: result.withheld }
            : {}),
        };
        entry.timings_ms.export = outcome.status === "done" ? Math.round(now() - t) : null;
        emit({
          type: "export-done",
          step,
          total,
          dir,
          status: outcome.status,
          ...(result ? { result } : {}),
        });
      } catch (e) {
        entry.export = { dir, status: "failed", error: errorMessage(e) };
        throw e;
      }
      await save();
    }
  }
}

/**
 * Without a shard, a step that would be made whole while shard files of it exist is almost surely a
 * forgotten `merge`: refuse before any work, naming the files.
 */
async function refuseUnmergedShards(pending: readonly PipelineStep[]): Promise<void> {
  const found: string[] = [];
  for (const step of pending) {
    const shards = await findShardFiles(step.whole);
    if (shards.length > 0)
      found.push(
        `${step.whole} (${shards.map((s) => basename(s.path).replace(/^.*\.shard-/, "shard-")).join(", ")})`,
      );
  }
  if (found.length > 0)
    throw new ConfigError(
      `Shard files exist for ${found.length} file${found.length === 1 ? "" : "s"} this run would make whole:\n${found.map((f) => `  ${f}`).join("\n")}\nRun \`keychain-synth merge --config …\` first (or delete the shard files, or pass --force to make them again on this machine).`,
    );
}
