/**
 * The grow runner (the imperative shell around plan.ts): per data set × length, rounds of
 * plain → fresh (drop used questions) → rollout → convert → filter (or clean) on fresh windows of the shuffled
 * question list until enough new rows exist, then the merged set. Every stage's result goes to the manifest
 * (atomically) before the next starts, so an interrupted run resumes where it stopped.
 */
import { join, relative } from "node:path";
import { ConfigError, KeychainError, type LockedError } from "../errors.js";
import { withLock } from "../io/lock.js";
import { CorpusMemo } from "../run/corpus-memo.js";
import { fileExists } from "../stages/stage-files.js";
import { type CellContext, CellFailure } from "./cell-context.js";
import { configFingerprint, configHash, type GrowConfig } from "./config.js";
import type { GrowDeps } from "./deps.js";
import type { ExistingSet } from "./existing.js";
import { growCell } from "./grow-cell.js";
import { loadGrowDataset } from "./load-dataset.js";
import {
  assertSameConfig,
  type GrowManifest,
  MANIFEST_KIND,
  type ManifestCell,
  type ManifestDataset,
  manifestPathOf,
  newCell,
  readManifest,
  writeManifest,
} from "./manifest.js";
import { initialCursor } from "./plan.js";

// Re-exported for the modules that import them with the runner (grow/index.ts, status.ts).
export type { GrowDeps, GrowEvent } from "./deps.js";
export { type GrowPlan, planGrow } from "./plan-grow.js";

export interface GrowResult {
  manifestPath: string;
  manifest: GrowManifest;
  /** Cells that ran out of rounds or questions. */
  failed: ManifestCell[];
}

/** Some data set × length could not reach its target; the manifest says why (thrown by the CLI). */
export class GrowIncompleteError extends KeychainError {
  override name = "GrowIncompleteError";
}

/**
 * Run or resume a grow, data set by data set and length by length (so windows are allocated in the same order
 * whether or not the run was interrupted). A cell that runs out of rounds or questions is marked failed and
 * returned in `failed` while the others go on; a changed config, bad input, a server error or an abort is
 * thrown, the manifest keeping everything finished before it (the cell marked failed with the error, or left
 * in progress when interrupted). The out folder's lock (`{out}/grow.lock`) is held throughout: a second run on
 * it is refused with a {@link LockedError}.
 */
export async function runGrow(config: GrowConfig, deps: GrowDeps): Promise<GrowResult> {
  // One run per out folder: two would allocate the same windows and write the same files.
  const what = `the grow output folder "${config.out}"`;
  return withLock(growLockPath(config.out), { what }, () => growLocked(config, deps));
}

/** The lock file of a grow output folder: `{out}/grow.lock`. */
export function growLockPath(out: string): string {
  return join(out, "grow.lock");
}

async function growLocked(config: GrowConfig, deps: GrowDeps): Promise<GrowResult> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const emit = deps.onEvent ?? (() => {});
  const path = manifestPathOf(config.out);
  const hash = configHash(config);
  const fingerprint = configFingerprint(config);
  const found = await readManifest(path);
  if (found) assertSameConfig(found, hash, fingerprint, path);
  const manifest: GrowManifest = found ?? {
    kind: MANIFEST_KIND,
    version: 1,
    config_hash: hash,
    config: fingerprint,
    created_at: now(),
    updated_at: now(),
    datasets: {},
    cells: [],
  };
  const save = async () => {
    manifest.updated_at = now();
    await writeManifest(path, manifest);
  };
  const rel = (p: string) => relative(config.out, p);
  const abs = (p: string) => join(config.out, p);

  for (const d of config.datasets)
    for (const length of config.lengths)
      if (!manifest.cells.some((c) => c.dataset === d.name && c.length === length))
        manifest.cells.push(newCell(d.name, length));
  await save();

  for (const [di, spec] of config.datasets.entries()) {
    // The data set is read and token-counted once for all its lengths and rounds, and let go after them.
    const memo = new CorpusMemo();
    const ds = await loadGrowDataset(config, di, memo);
    let entry = manifest.datasets[spec.name];
    if (!entry) {
      const c = initialCursor(ds.questions, ds.used, ds.keyField, config.startPosition);
      entry = {
        key_field: ds.keyField,
        questions: ds.questions.length,
        start: c.start,
        cursor: c.start,
        existing_rows: ds.existing.reduce((s, e) => s + e.rows.length, 0),
        unknown_used: c.unknown,
      };
      manifest.datasets[spec.name] = entry;
      await save();
    }
    const dsEntry: ManifestDataset = entry;
    if (dsEntry.questions !== ds.questions.length)
      throw new ConfigError(
        `"${spec.path}" now holds ${ds.questions.length} questions, ${dsEntry.questions} when "${path}" was started: the windows recorded there no longer mean the same questions; use a new out folder`,
      );
    emit({
      type: "dataset",
      dataset: spec.name,
      questions: ds.questions.length,
      keyField: ds.keyField,
      start: dsEntry.start,
      cursor: dsEntry.cursor,
    });
    for (const [li, length] of config.lengths.entries()) {
      const existing = ds.existing[li] as ExistingSet;
      const c = manifest.cells.find((m) => m.dataset === spec.name && m.length === length) as ManifestCell;
      if (c.status === "complete" && c.files.merged && (await fileExists(abs(c.files.merged)))) {
        emit({ type: "cell-done", cell: c });
        continue;
      }
      const need = config.target - existing.rows.length;
      if (c.rounds.length > 0 && c.need !== need)
        throw new ConfigError(
          `The existing set of ${spec.name} ${length} changed since "${path}" was started (${c.counts.existing} rows then, ${existing.rows.length} now); use a new out folder`,
        );
      c.need = need;
      c.counts.existing = existing.rows.length;
      c.files.existing = existing.path ?? null;
      c.status = "in_progress";
      c.error = null;
      c.started_at ??= now();
      const ctx: CellContext = {
        config,
        deps,
        memo,
        ds,
        dsEntry,
        cell: c,
        existing,
        save,
        now,
        emit,
        rel,
        abs,
      };
      try {
        await growCell(ctx);
      } catch (e) {
        if (e instanceof CellFailure) {
          c.status = "failed";
          c.error = e.message;
        } else {
          // Interrupted (the cell stays in progress, "stopped") or a hard error (failed, at the stage that
          // failed); either way the manifest keeps what finished and the next run resumes the cell.
          const message = e instanceof Error ? e.message : String(e);
          if (!deps.signal?.aborted) c.status = "failed";
          c.error = c.stage === null ? message : `${c.stage}: ${message}`;
          c.updated_at = now();
          await saveAfterFailure(save, e);
          throw e;
        }
      }
      c.updated_at = now();
      await save();
      emit({ type: "cell-done", cell: c });
    }
  }
  const failed = manifest.cells.filter((c) => c.status === "failed");
  return { manifestPath: path, manifest, failed };
}

/**
 * Write the manifest after `error` stopped the run. When that write fails too (the disk that failed is full),
 * `error` is still the one reported; the manifest's failure is added to its message.
 */
async function saveAfterFailure(save: () => Promise<void>, error: unknown): Promise<void> {
  try {
    await save();
  } catch (saveError) {
    if (error instanceof Error && saveError !== error)
      error.message += ` (the manifest could not be updated either: ${(saveError as Error).message})`;
  }
}
