/**
 * The run's manifest, `{out}/manifest.json` (`{out}/manifest.shard-i-of-n.json` per shard): the resolved
 * config, the inputs' hashes and, per step, what was made, skipped or failed, with counts, fill and timings.
 * Rewritten atomically after every step, so it always describes the files on disk.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { FileSummary } from "../run/matrix.js";
import type { Shard } from "../run/windows.js";
import type { PipelineConfig } from "./config.js";
import type { PipelineStep } from "./plan.js";
import type { ShardChoice } from "./shard-env.js";
import { kindConfigJson } from "./step-key.js";

export type StepStatus = "pending" | "done" | "skipped-existing" | "failed";
export type ExportStatus = "done" | "skipped-existing" | "skipped-empty" | "failed";

export interface ManifestExport {
  dir: string;
  status: ExportStatus;
  train?: number;
  test?: number;
  valid?: number;
  withheld?: number;
  error?: string;
}

export interface ManifestStep {
  step: number;
  kind: string;
  dataset: string;
  length: number;
  output: string;
  /** The file's question window, and the slice this run made (equal without a shard). */
  window: { start: number; end: number };
  part: { start: number; end: number };
  status: StepStatus;
  /** Why the step ran (`new`, `the step's options changed`, `--force`, …). */
  reason?: string;
  counts: { requested: number; written: number; skipped: number } | null;
  /** Questions that gave no sample, with the reason (from the file's summary). */
  skipped: { index: number; source_index: number; id: string; reason: string }[];
  /** prompt tokens / (L − G) over written samples. */
  fill: { mean: number; min: number; max: number } | null;
  within_budget: number | null;
  verified: number | null;
  exact_by_construction: boolean | null;
  /** load: reading the data set and its token counts (on the first step of each runner call). */
  timings_ms: { load: number | null; synthesize: number | null; export: number | null };
  export: ManifestExport | null;
  error?: string;
}

export interface ManifestDataset {
  name: string;
  path: string;
  format: string | null;
  /** SHA-256 of the source file's bytes. */
  sha256: string;
  /** The document table's fingerprint, from the data files' sidecars (null until one exists). */
  source_fingerprint: string | null;
}

export interface Manifest {
  version: 1;
  status: "running" | "done" | "failed";
  config_file: string | null;
  config_sha256: string | null;
  config: Record<string, unknown>;
  tokenizer: { spec: string; name: string; id: string };
  shard: (Shard & { from: string }) | null;
  inputs: { datasets: ManifestDataset[]; filter_ids: { path: string; sha256: string } | null };
  steps: ManifestStep[];
  totals: Record<StepStatus, number> & { written: number; requested: number };
  timings_ms: { total: number };
  error?: string;
}

/** `{out}/manifest.json`, or `{out}/manifest.shard-i-of-n.json` for a shard. */
export function manifestPath(out: string, shard: Shard | undefined): string {
  return join(out, shard ? `manifest.shard-${shard.index}-of-${shard.count}.json` : "manifest.json");
}

/** The resolved config as JSON (what the run used, every default filled in). */
export function configJson(config: PipelineConfig): Record<string, unknown> {
  const kind = (c: NonNullable<PipelineConfig["plain"] | PipelineConfig["keychain"]>) => {
    // The tokenizer is recorded once, at the top.
    const { datasets: _, tokenizer: __, ...rest } = kindConfigJson(c);
    return rest;
  };
  return {
    out: config.out,
    tokenizer: config.tokenizer,
    datasets: config.datasets,
    kinds: {
      ...(config.plain ? { plain: kind(config.plain) } : {}),
      ...(config.keychain ? { keychain: kind(config.keychain) } : {}),
    },
    export: config.verl ? { verl: config.verl } : {},
  };
}

export function pendingStep(step: PipelineStep): ManifestStep {
  return {
    step: step.number,
    kind: step.kind,
    dataset: step.dataset.name,
    length: step.length,
    output: step.output,
    window: step.window,
    part: step.part,
    status: "pending",
    reason: undefined,
    counts: null,
    skipped: [],
    fill: null,
    within_budget: null,
    verified: null,
    exact_by_construction: null,
    timings_ms: { load: null, synthesize: null, export: null },
    export: null,
  };
}

/** The text of what was thrown, for a manifest's `error` fields. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A step that failed: `status: "failed"` and `error` naming the kind and data set, e.g. `plain hotpotqa: …`. */
export function failedStep(
  entry: ManifestStep,
  step: Pick<PipelineStep, "kind" | "dataset">,
  e: unknown,
): ManifestStep {
  return { ...entry, status: "failed", error: `${step.kind} ${step.dataset.name}: ${errorMessage(e)}` };
}

/** Fill a step's counts from its file summary (fresh, or read back from the sidecar). */
export function withSummary(entry: ManifestStep, s: Omit<FileSummary, "ms">): ManifestStep {
  return {
    ...entry,
    counts: { requested: s.requested, written: s.written, skipped: s.skipped.length },
    skipped: s.skipped,
    fill: s.fill,
    within_budget: s.withinBudget,
    verified: s.verified,
    exact_by_construction: s.exactByConstruction,
  };
}

export function totals(steps: readonly ManifestStep[]): Manifest["totals"] {
  const t: Manifest["totals"] = {
    pending: 0,
    done: 0,
    "skipped-existing": 0,
    failed: 0,
    written: 0,
    requested: 0,
  };
  for (const s of steps) {
    t[s.status]++;
    t.written += s.counts?.written ?? 0;
    t.requested += s.counts?.requested ?? 0;
  }
  return t;
}

export function shardJson(choice: ShardChoice | undefined): Manifest["shard"] {
  return choice ? { ...choice.shard, from: choice.from } : null;
}

/** Write the manifest atomically, its totals brought up to date first. */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  manifest.totals = totals(manifest.steps);
  await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
