/**
 * The grow runner (the imperative shell around plan.ts): per data set × length, rounds of
 * plain → fresh (drop used questions) → rollout → convert → filter (or clean) on fresh windows of the shuffled
 * question list until enough new rows exist, then the merged set. Every stage's result goes to the manifest
 * (atomically) before the next starts, so an interrupted run resumes where it stopped.
 */
import { basename, join, relative } from "node:path";
import type { QaRecord } from "../corpus/types.js";
import { ConfigError, InputError, KeychainError } from "../errors.js";
import { AtomicFile } from "../io/atomic.js";
import { readLines } from "../io/lines.js";
import { plainOutputPath, runPlain } from "../plain/run.js";
import { selectQuestions } from "../plain/windows.js";
import { CorpusMemo } from "../run/corpus-memo.js";
import { type BadLine, cleanTraces, convertToSwift, filterSwift } from "../sft/index.js";
import type { StageDeps } from "../stages/deps.js";
import { type RolloutOptions, runRollout } from "../stages/rollout.js";
import { fileExists, writeLinesAtomic } from "../stages/stage-files.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { configFingerprint, configHash, type GrowConfig } from "./config.js";
import {
  type ExistingSet,
  type KeyField,
  keyFieldOf,
  readExistingSets,
  readSetRows,
  rowKey,
  type SetRow,
  usedKeys,
} from "./existing.js";
import {
  assertSameConfig,
  type GrowManifest,
  MANIFEST_KIND,
  type ManifestCell,
  type ManifestDataset,
  type ManifestRound,
  manifestPathOf,
  newCell,
  type RoundStage,
  readManifest,
  sumRounds,
  writeManifest,
} from "./manifest.js";
import { initialCursor, mergedName, nextWindow, roundDir, takenKeys } from "./plan.js";

/** What a grow run needs from its caller. */
export interface GrowDeps {
  /** Tokenizer for plain synthesis. */
  counter: TokenCounter;
  /** Chat pool for rollouts. */
  pool: StageDeps["pool"];
  /** Stops rollouts; finished records stay in their journal. */
  signal?: AbortSignal;
  /** Clock for the manifest's timestamps. @default () => new Date() */
  now?: () => Date;
  onEvent?: (e: GrowEvent) => void;
}

/** What the runner reports while it works; the CLI prints them on stderr. */
export type GrowEvent =
  | { type: "dataset"; dataset: string; questions: number; keyField: KeyField; start: number; cursor: number }
  | { type: "stage-start"; dataset: string; length: number; round: number; stage: RoundStage | "merge" }
  | {
      type: "stage-done";
      dataset: string;
      length: number;
      round: number;
      stage: RoundStage | "merge";
      /** Found finished in the manifest with its file present. */
      skipped: boolean;
      count: number;
    }
  | { type: "rollout-progress"; done: number; total: number }
  | { type: "cell-done"; cell: ManifestCell };

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

/** A data set loaded for growing: its shuffled question list and existing sets. */
interface LoadedGrowDataset {
  name: string;
  questions: QaRecord[];
  existing: ExistingSet[];
  keyField: KeyField;
  used: Set<string>;
}

/** Read a data set's questions (filtered and shuffled as plain does) and its existing sets. */
async function loadGrowDataset(
  config: GrowConfig,
  index: number,
  memo: CorpusMemo,
): Promise<LoadedGrowDataset> {
  const spec = config.datasets[index] as GrowConfig["datasets"][number];
  const { corpus } = await memo.read(spec.path, spec.format);
  const questions = selectQuestions(corpus.qas, { shuffle: config.plain.shuffleQa, seed: config.plain.seed });
  const existing = await readExistingSets(
    config.existing.dir,
    config.existing.pattern,
    spec.name,
    config.lengths,
  );
  for (const s of existing)
    if (s.rows.length > config.target)
      throw new InputError(
        `the existing set has ${s.rows.length} rows, more than the target ${config.target}; raise target or trim the set`,
        { file: s.path ?? "" },
      );
  const keyField = keyFieldOf(existing);
  return { name: spec.name, questions, existing, keyField, used: usedKeys(existing, keyField) };
}

/**
 * Run or resume a grow, data set by data set and length by length (so windows are allocated in the same order
 * whether or not the run was interrupted). A cell that runs out of rounds or questions is marked failed and
 * returned in `failed` while the others go on; a changed config, bad input, a server error or an abort is
 * thrown, the manifest keeping everything finished before it.
 */
export async function runGrow(config: GrowConfig, deps: GrowDeps): Promise<GrowResult> {
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
          // Interrupted or a hard error: the manifest keeps what finished; the next run resumes.
          c.error = (e as Error).message;
          await save();
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

/** A cell that cannot reach its target with the current settings (not a crash: other cells go on). */
class CellFailure extends Error {}

interface CellContext {
  config: GrowConfig;
  deps: GrowDeps;
  memo: CorpusMemo;
  ds: LoadedGrowDataset;
  dsEntry: ManifestDataset;
  cell: ManifestCell;
  existing: ExistingSet;
  save: () => Promise<void>;
  now: () => string;
  emit: (e: GrowEvent) => void;
  rel: (p: string) => string;
  abs: (p: string) => string;
}

async function growCell(x: CellContext): Promise<void> {
  const { config, cell, dsEntry } = x;
  for (let r = 0; ; r++) {
    const kept = cell.rounds.slice(0, r).reduce((s, round) => s + (round.counts.kept ?? 0), 0);
    if (kept >= cell.need) break;
    if (r === cell.rounds.length) {
      if (r >= config.maxRounds)
        throw new CellFailure(
          `only ${kept} of ${cell.need} new rows after ${r} round${r === 1 ? "" : "s"} (max_rounds ${config.maxRounds}); raise max_rounds or oversample and run again`,
        );
      const window = nextWindow(dsEntry.cursor, cell.need - kept, config.oversample, dsEntry.questions);
      if (!window)
        throw new CellFailure(
          `no questions left: all ${dsEntry.questions} questions of "${cell.dataset}" are used (cursor ${dsEntry.cursor}); ${kept} of ${cell.need} new rows`,
        );
      cell.rounds.push({ round: r + 1, window, stages_completed: [], files: {}, counts: {} });
      dsEntry.cursor = window.end;
      await x.save();
    }
    await runRound(x, cell.rounds[r] as ManifestRound);
  }
  await merge(x);
}

/** The stages of a round, in order, under the config's SFT mode. */
function stagesOf(config: GrowConfig): RoundStage[] {
  return config.sft.mode === "filter"
    ? ["plain", "fresh", "rollout", "convert", "filter"]
    : ["plain", "fresh", "rollout", "clean"];
}

async function runRound(x: CellContext, round: ManifestRound): Promise<void> {
  const { config, cell } = x;
  let rerun = false;
  for (const stage of stagesOf(config)) {
    const file = round.files[stage];
    if (
      !rerun &&
      round.stages_completed.includes(stage) &&
      file !== undefined &&
      (await fileExists(x.abs(file)))
    ) {
      x.emit({
        ...where(x, round),
        stage,
        type: "stage-done",
        skipped: true,
        count: stageCount(round, stage),
      });
      continue;
    }
    rerun = true;
    round.stages_completed = round.stages_completed.filter((s) => s !== stage);
    cell.stage = `round ${round.round}: ${stage}`;
    x.emit({ ...where(x, round), stage, type: "stage-start" });
    if (round.counts.fresh === 0 && stage !== "plain" && stage !== "fresh") {
      // Every question of the window was already used: nothing to send.
      round.counts.rollouts = 0;
      round.counts.kept = 0;
    } else {
      const out = await STAGE_RUNNERS[stage](x, round);
      round.files[stage] = x.rel(out);
    }
    round.stages_completed.push(stage);
    cell.stages_completed = [
      ...cell.stages_completed.filter((s) => s !== `round ${round.round}: ${stage}`),
      `round ${round.round}: ${stage}`,
    ];
    sumRounds(cell);
    cell.updated_at = x.now();
    await x.save();
    x.emit({
      ...where(x, round),
      stage,
      type: "stage-done",
      skipped: false,
      count: stageCount(round, stage),
    });
  }
}

function where(x: CellContext, round: ManifestRound) {
  return { dataset: x.cell.dataset, length: x.cell.length, round: round.round };
}

function stageCount(round: ManifestRound, stage: RoundStage): number {
  const c = round.counts;
  const n = {
    plain: c.plain,
    fresh: c.fresh,
    rollout: c.rollouts,
    convert: c.converted,
    filter: c.kept,
    clean: c.kept,
  }[stage];
  return n ?? 0;
}

/** Each stage: run it, record its counts on the round, return its output file. */
const STAGE_RUNNERS: Record<RoundStage, (x: CellContext, round: ManifestRound) => Promise<string>> = {
  async plain(x, round) {
    const { config, cell } = x;
    const dir = roundDir(config.out, cell.dataset, cell.length, round.round);
    const spec = config.datasets.find((d) => d.name === cell.dataset) as GrowConfig["datasets"][number];
    const plain = {
      ...config.plain,
      datasets: [{ ...spec }],
      lengths: [cell.length],
      numSamples: round.window.end - round.window.start,
      preSamples: round.window.start,
      disjointWindows: false,
      out: join(dir, "plain"),
    };
    const [summary] = await runPlain(plain, { counter: x.deps.counter, memo: x.memo });
    round.counts.plain = summary?.written ?? 0;
    return plainOutputPath(plain, cell.dataset, round.window.end - round.window.start, cell.length);
  },

  async fresh(x, round) {
    const { ds, dsEntry, cell } = x;
    const input = x.abs(round.files.plain as string);
    const dir = roundDir(x.config.out, cell.dataset, cell.length, round.round);
    const output = join(dir, "fresh", cell.dataset, basename(input));
    const taken = takenKeys(ds.used, ds.questions, ds.keyField, dsEntry.start, round.window.start);
    const file = await AtomicFile.open(output);
    let kept = 0;
    let dropped = 0;
    try {
      for await (const { line, text } of readLines(input)) {
        if (text.trim() === "") continue;
        let r: { id?: unknown; source_index?: unknown };
        try {
          r = JSON.parse(text) as typeof r;
        } catch (e) {
          throw new InputError(
            `not valid JSON (${(e as Error).message})`,
            { file: input, line },
            { cause: e },
          );
        }
        if (typeof r.id !== "string" || typeof r.source_index !== "number")
          throw new InputError("a plain record needs id and source_index", {
            file: input,
            line,
            field: "id",
          });
        const key = ds.keyField === "id" ? r.id : String(r.source_index);
        if (taken.has(key)) {
          dropped++;
          continue;
        }
        taken.add(key);
        await file.write(`${text}\n`);
        kept++;
      }
      await file.commit();
    } catch (e) {
      await file.abort();
      throw e;
    }
    round.counts.dropped_used = dropped;
    round.counts.fresh = kept;
    return output;
  },

  async rollout(x, round) {
    const { config, cell } = x;
    const ro = config.rollout;
    const options: RolloutOptions = {
      input: x.abs(round.files.fresh as string),
      model: ro.model,
      n: ro.n,
      temperature: ro.temperature,
      maxTokens: ro.maxTokens,
      prompt: ro.prompt,
      systemPrompt: ro.systemPrompt,
      mode: ro.mode,
      out: join(roundDir(config.out, cell.dataset, cell.length, round.round), "rollout"),
      ...(ro.topP !== undefined ? { topP: ro.topP } : {}),
      ...(ro.extractor !== undefined ? { extractor: ro.extractor } : {}),
    };
    const s = await runRollout(options, {
      pool: x.deps.pool,
      ...(x.deps.signal ? { signal: x.deps.signal } : {}),
      onProgress: (done, total) => x.emit({ type: "rollout-progress", done, total }),
    });
    round.counts.rollouts = s.records;
    return s.outputPath;
  },

  async convert(x, round) {
    const { config, cell } = x;
    const input = x.abs(round.files.rollout as string);
    const s = await convertToSwift({
      input,
      outDir: join(roundDir(config.out, cell.dataset, cell.length, round.round), "sft", cell.dataset),
      modelTag: config.sft.modelTag,
    });
    assertNoBadLines("convert", s.badLines, input);
    round.counts.converted = s.rows;
    return s.outputPath;
  },

  async filter(x, round) {
    const s = await filterSwift({ input: x.abs(round.files.convert as string) });
    round.counts.kept = s.kept;
    return s.outputPath;
  },

  async clean(x, round) {
    const { config, cell } = x;
    const input = x.abs(round.files.rollout as string);
    const s = await cleanTraces({
      input,
      outDir: join(roundDir(config.out, cell.dataset, cell.length, round.round), "sft", cell.dataset),
      modelTag: config.sft.modelTag,
      keepBoxed: config.sft.keepBoxed,
    });
    assertNoBadLines("clean", s.badLines, input);
    round.counts.kept = s.kept;
    return s.outputPath;
  },
};

/** A round's rollout file must be whole: its bad lines would silently shrink the round. */
function assertNoBadLines(stage: "convert" | "clean", badLines: readonly BadLine[], file: string): void {
  if (badLines.length > 0)
    throw new InputError(
      `${stage} found ${badLines.length} bad line(s), first: ${JSON.stringify(badLines[0])}`,
      { file },
    );
}

/** Existing rows + the first `need` new rows in window order, deduplicated by question key, written atomically. */
async function merge(x: CellContext): Promise<void> {
  const { config, cell, existing, ds } = x;
  cell.stage = "merge";
  x.emit({ type: "stage-start", dataset: cell.dataset, length: cell.length, round: 0, stage: "merge" });
  const last = config.sft.mode === "filter" ? "filter" : "clean";
  const seen = new Set(existing.rows.map((r) => rowKey(r, ds.keyField)));
  const taken: SetRow[] = [];
  for (const round of cell.rounds) {
    const f = round.files[last];
    if (f === undefined || taken.length >= cell.need) continue;
    for (const row of await readSetRows(x.abs(f))) {
      if (taken.length >= cell.need) break;
      const key = rowKey(row, ds.keyField);
      if (seen.has(key)) continue;
      seen.add(key);
      taken.push(row);
    }
  }
  if (taken.length < cell.need)
    throw new CellFailure(`merge found ${taken.length} usable new rows, ${cell.need} needed`);
  const name = mergedName(existing.path === undefined ? undefined : basename(existing.path), {
    target: config.target,
    length: cell.length,
    subset: config.plain.subset,
    modelTag: config.sft.modelTag,
    mode: config.sft.mode,
  });
  const out = join(config.out, "merged", cell.dataset, name);
  await writeLinesAtomic(
    out,
    [...existing.rows, ...taken].map((r) => r.text),
  );
  cell.files.merged = x.rel(out);
  cell.counts.merged = existing.rows.length + taken.length;
  cell.stages_completed = [...cell.stages_completed.filter((s) => s !== "merge"), "merge"];
  cell.status = "complete";
  cell.finished_at = x.now();
  x.emit({
    type: "stage-done",
    dataset: cell.dataset,
    length: cell.length,
    round: 0,
    stage: "merge",
    skipped: false,
    count: cell.counts.merged,
  });
}

/** The plan of a fresh run: per data set, where new windows start; per length, the first window. */
export interface GrowPlan {
  datasets: {
    name: string;
    questions: number;
    keyField: KeyField;
    start: number;
    unknownUsed: number;
    cells: {
      length: number;
      existing: string | undefined;
      existingRows: number;
      need: number;
      window?: { start: number; end: number };
    }[];
  }[];
}

/**
 * What a run would do first, without writing anything: each data set's start position and each length's first
 * window, assuming every earlier window yields enough rows (later rounds, if needed, follow on).
 */
export async function planGrow(config: GrowConfig): Promise<GrowPlan> {
  const plan: GrowPlan = { datasets: [] };
  for (const [di, spec] of config.datasets.entries()) {
    const ds = await loadGrowDataset(config, di, new CorpusMemo());
    const c = initialCursor(ds.questions, ds.used, ds.keyField, config.startPosition);
    let cursor = c.start;
    const cells = config.lengths.map((length, li) => {
      const existing = ds.existing[li] as ExistingSet;
      const need = config.target - existing.rows.length;
      const window = nextWindow(cursor, need, config.oversample, ds.questions.length);
      if (window) cursor = window.end;
      return {
        length,
        existing: existing.path,
        existingRows: existing.rows.length,
        need,
        ...(window ? { window } : {}),
      };
    });
    plan.datasets.push({
      name: spec.name,
      questions: ds.questions.length,
      keyField: ds.keyField,
      start: c.start,
      unknownUsed: c.unknown,
      cells,
    });
  }
  return plan;
}
