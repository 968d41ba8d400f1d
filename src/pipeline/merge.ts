/**
 * Merge shard files into whole files: check that every shard of every file is present, complete (data file
 * and sidecar) and made with the same inputs, and that their window slices tile the window exactly — all
 * before writing anything — then concatenate them in order (streamed, atomically) and write the combined
 * sidecar. Shards concatenated in order equal the unsharded file byte for byte.
 */
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { writeAtomic } from "../io/atomic.js";
import type { FileSummary } from "../run/matrix.js";
import type { Shard } from "../run/windows.js";
import type { PipelineConfig } from "./config.js";
import { canonicalJson } from "./hash.js";
import { hashStepInputs } from "./inputs.js";
import { planSteps } from "./plan.js";
import { ShardMergeError } from "./problems.js";
import { findShardFiles, scanShardFiles, shardFilePath } from "./shard-files.js";
import {
  compareSidecar,
  fileExists,
  readSidecar,
  type Sidecar,
  sidecarPath,
  writeSidecar,
} from "./sidecar.js";

/** A whole file to make from shards, with what its shards must have been made from (pipeline configs). */
export interface MergeTarget {
  whole: string;
  /** Shard files found on disk for it. */
  found: { path: string; shard: Shard }[];
  expected?: {
    key: string;
    sourceSha256: string;
    tokenizerId: string;
    window: { start: number; end: number };
  };
}

export interface MergeOptions {
  /** Use shard files of this count (needed when several counts are on disk). @default the count on disk */
  shards?: number;
  /** Merge again even when the whole file is up to date. @default false */
  force?: boolean;
  onEvent?: (e: MergeEvent) => void;
}

export type MergeEvent =
  | { type: "up-to-date"; whole: string }
  | { type: "merged"; whole: string; shards: number; written: number };

export interface MergeResult {
  merged: { whole: string; shards: number; written: number }[];
  upToDate: string[];
}

/** Merge every file a pipeline config makes, checking each shard was made with this config's inputs. */
export async function mergePipeline(
  config: PipelineConfig,
  tokenizerId: string,
  options: MergeOptions = {},
): Promise<MergeResult> {
  const steps = planSteps(config);
  const { keys, sourceSha256 } = await hashStepInputs(config, steps, tokenizerId);
  const targets: MergeTarget[] = [];
  for (const [i, step] of steps.entries())
    targets.push({
      whole: step.whole,
      found: await findShardFiles(step.whole),
      expected: {
        key: keys[i] as string,
        sourceSha256: sourceSha256.get(step.dataset.name) as string,
        tokenizerId,
        window: step.window,
      },
    });
  return mergeTargets(targets, options);
}

/** Merge every group of shard files found under `dir` (any depth). */
export async function mergeDirectory(dir: string, options: MergeOptions = {}): Promise<MergeResult> {
  const groups = await scanShardFiles(dir);
  if (groups.size === 0) throw new ShardMergeError([`no shard files (*.shard-I-of-N.jsonl) under "${dir}"`]);
  return mergeTargets(
    [...groups.entries()].map(([whole, found]) => ({ whole, found })),
    options,
  );
}

/** A target that passed every check, ready to concatenate. */
interface Ready {
  whole: string;
  shards: { path: string; meta: Sidecar }[];
}

export async function mergeTargets(
  targets: readonly MergeTarget[],
  options: MergeOptions = {},
): Promise<MergeResult> {
  const emit = options.onEvent ?? (() => {});
  const problems: string[] = [];
  const upToDate: string[] = [];
  const ready: Ready[] = [];
  // With a config, a file none of whose shards exist is named with the count the other files use.
  const counts = new Set(targets.flatMap((t) => t.found.map((f) => f.shard.count)));
  const commonCount = options.shards ?? (counts.size === 1 ? [...counts][0] : undefined);

  for (const t of targets) {
    if (!options.force && (await isUpToDate(t))) {
      upToDate.push(t.whole);
      continue;
    }
    const present = new Set(t.found.map((f) => f.shard.count));
    let n = options.shards ?? (present.size === 1 ? [...present][0] : undefined);
    if (present.size > 1 && options.shards === undefined) {
      problems.push(
        `${t.whole}: shard files of several counts are present (${[...present].join(", ")}); pass --shards N to choose`,
      );
      continue;
    }
    if (present.size === 0) n = commonCount;
    if (n === undefined) {
      problems.push(
        `${t.whole}: no shard files found (${basename(t.whole).replace(/\.jsonl$/, "")}.shard-I-of-N.jsonl)`,
      );
      continue;
    }
    const checked = await checkShards(t, n);
    if (Array.isArray(checked)) problems.push(...checked);
    else ready.push(checked);
  }
  if (problems.length > 0) throw new ShardMergeError(problems);

  const merged: MergeResult["merged"] = [];
  for (const r of ready) {
    const written = await concatenate(r);
    merged.push({ whole: r.whole, shards: r.shards.length, written });
    emit({ type: "merged", whole: r.whole, shards: r.shards.length, written });
  }
  for (const whole of upToDate) emit({ type: "up-to-date", whole });
  return { merged, upToDate };
}

/** The whole file exists with a sidecar that matches what the shards (or the config) say it should be. */
async function isUpToDate(t: MergeTarget): Promise<boolean> {
  if (!(await fileExists(t.whole))) return false;
  const meta = await readSidecar(t.whole);
  if (meta === undefined || meta === "invalid") return false;
  if (t.expected) return compareSidecar(meta, { ...t.expected, part: t.expected.window }).fresh;
  const first = t.found[0];
  const shardMeta = first ? await readSidecar(first.path) : undefined;
  if (shardMeta === undefined || shardMeta === "invalid") return false;
  const n = first?.shard.count ?? 0;
  const names = Array.from({ length: n }, (_, i) => basename(shardFilePath(t.whole, { index: i, count: n })));
  return sameOrigin(meta, shardMeta) && canonicalJson(meta.merged_from ?? null) === canonicalJson(names);
}

/** Two sidecars describe files made from the same inputs and options, over the same window. */
function sameOrigin(a: Sidecar, b: Sidecar): boolean {
  return (
    a.kind === b.kind &&
    a.dataset === b.dataset &&
    a.tokenizer.id === b.tokenizer.id &&
    a.source_fingerprint === b.source_fingerprint &&
    canonicalJson(a.options) === canonicalJson(b.options) &&
    a.window.start === b.window.start &&
    a.window.end === b.window.end &&
    a.pipeline?.step_key === b.pipeline?.step_key
  );
}

/** Check shards 0..n−1 of a target; the problems found, or the target ready to merge. */
async function checkShards(t: MergeTarget, n: number): Promise<Ready | string[]> {
  const problems: string[] = [];
  const shards: { path: string; meta: Sidecar }[] = [];
  for (let index = 0; index < n; index++) {
    const path = shardFilePath(t.whole, { index, count: n });
    const tag = `shard ${index} of ${n}`;
    const hasData = await fileExists(path);
    const meta = await readSidecar(path);
    if (!hasData && meta === undefined) {
      problems.push(`missing ${tag}: ${path}`);
      continue;
    }
    if (!hasData) {
      problems.push(`${tag} has a sidecar but no data file: ${path}`);
      continue;
    }
    if (meta === undefined) {
      problems.push(`${tag} is incomplete (no sidecar ${sidecarPath(path)}; its run did not finish)`);
      continue;
    }
    if (meta === "invalid") {
      problems.push(`${tag} has an unreadable sidecar: ${sidecarPath(path)}`);
      continue;
    }
    if (meta.pipeline?.shard && (meta.pipeline.shard.index !== index || meta.pipeline.shard.count !== n)) {
      problems.push(
        `${tag} (${path}) says it is shard ${meta.pipeline.shard.index} of ${meta.pipeline.shard.count}`,
      );
      continue;
    }
    if (t.expected) {
      const f = compareSidecar(meta, {
        ...t.expected,
        part: { start: meta.window.shardStart, end: meta.window.shardEnd },
      });
      if (!f.fresh) {
        problems.push(`${tag} (${path}) was not made with this config: ${f.reason}; make it again`);
        continue;
      }
    }
    shards.push({ path, meta });
  }
  if (problems.length > 0) return problems;

  const first = (shards[0] as { meta: Sidecar }).meta;
  for (const [index, s] of shards.entries())
    if (index > 0 && !sameOrigin(first, s.meta))
      problems.push(
        `shard ${index} of ${n} (${s.path}) was made with other inputs, options or window than shard 0; make the shards again with one config`,
      );
  if (problems.length > 0) return problems;

  // The slices must tile the window: shard 0 starts it, each starts where the previous ended, the last ends it.
  let at = first.window.start;
  for (const [index, s] of shards.entries()) {
    const w = s.meta.window;
    if (w.shardStart !== at)
      problems.push(
        `shard ${index} of ${n} (${s.path}) covers questions [${w.shardStart}, ${w.shardEnd}) but the previous shards end at ${at}: the slices do not tile the window [${first.window.start}, ${first.window.end})`,
      );
    at = w.shardEnd;
  }
  if (problems.length === 0 && at !== first.window.end)
    problems.push(
      `${t.whole}: the shards end at question ${at} but the window ends at ${first.window.end}; shards are missing`,
    );
  return problems.length > 0 ? problems : { whole: t.whole, shards };
}

/** Concatenate the shards into the whole file (atomic, streamed), checking each one's line count; then the sidecar. */
async function concatenate(r: Ready): Promise<number> {
  await writeAtomic(r.whole, async (file) => {
    for (const [index, s] of r.shards.entries()) {
      let lines = 0;
      let last = "";
      for await (const chunk of createReadStream(s.path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
        const text = chunk as string;
        for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
        if (text !== "") last = text;
        await file.write(text);
      }
      const expected = s.meta.summary.written;
      if (lines !== expected || (last !== "" && !last.endsWith("\n")))
        throw new ShardMergeError([
          `shard ${index} of ${r.shards.length} (${s.path}) holds ${lines} complete lines but its sidecar says ${expected} samples: the file is damaged; make that shard again`,
        ]);
    }
  });
  const metas = r.shards.map((s) => s.meta);
  const first = metas[0] as Sidecar;
  const summary = combineSummaries(
    r.whole,
    metas.map((m) => m.summary),
  );
  const merged: Sidecar = {
    ...first,
    file: basename(r.whole),
    window: {
      start: first.window.start,
      end: first.window.end,
      shardStart: first.window.start,
      shardEnd: first.window.end,
    },
    summary,
    ...(first.pipeline ? { pipeline: { ...first.pipeline, shard: null } } : {}),
    merged_from: r.shards.map((s) => basename(s.path)),
  };
  await writeSidecar(r.whole, merged);
  return summary.written;
}

/** The summary of the whole file from its shards' (fill mean weighted by samples written). Pure. */
export function combineSummaries(
  path: string,
  parts: readonly Omit<FileSummary, "ms">[],
): Omit<FileSummary, "ms"> {
  const first = parts[0];
  if (!first) throw new Error("combineSummaries: no parts");
  const sum = (f: (s: Omit<FileSummary, "ms">) => number) => parts.reduce((n, s) => n + f(s), 0);
  const written = sum((s) => s.written);
  const filled = parts.filter((s) => s.written > 0);
  return {
    ...first,
    path,
    requested: sum((s) => s.requested),
    written,
    skipped: parts.flatMap((s) => s.skipped),
    fill:
      written === 0
        ? { mean: 0, min: 0, max: 0 }
        : {
            mean: sum((s) => s.fill.mean * s.written) / written,
            min: Math.min(...filled.map((s) => s.fill.min)),
            max: Math.max(...filled.map((s) => s.fill.max)),
          },
    verified: sum((s) => s.verified),
    withinBudget: sum((s) => s.withinBudget),
  };
}
