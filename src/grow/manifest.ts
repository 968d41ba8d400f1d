/**
 * The grow manifest (`{out}/manifest.json`): what was planned and done per data set × length, written
 * atomically after every stage and checked with a schema when read back, so a run resumes where it stopped.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, InputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { changedSettings } from "./config.js";

export const MANIFEST_KIND = "keychain-synth grow";

/** The stages of one round, in order. `filter` follows `convert` in filter mode; `clean` replaces both. */
export const ROUND_STAGES = ["plain", "fresh", "rollout", "convert", "filter", "clean"] as const;
export type RoundStage = (typeof ROUND_STAGES)[number];

export const CELL_STATUSES = ["pending", "in_progress", "complete", "failed"] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

const count = z.number().int().nonnegative();
const timestamp = z.string().nullable();

const ROUND = z.strictObject({
  round: z.number().int().positive(),
  /** Positions [start, end) in the data set's shuffled question list. */
  window: z.strictObject({ start: count, end: count }),
  stages_completed: z.array(z.enum(ROUND_STAGES)),
  /** Output file of each finished stage, relative to the output folder. */
  files: z.partialRecord(z.enum(ROUND_STAGES), z.string()),
  counts: z.strictObject({
    /** Plain records written. */
    plain: count.optional(),
    /** Plain records dropped because their question is already used (existing sets, earlier windows). */
    dropped_used: count.optional(),
    fresh: count.optional(),
    /** Records with rollouts. */
    rollouts: count.optional(),
    /** SFT rows after convert (filter mode). */
    converted: count.optional(),
    /** Rows after filter / clean: one per question with a correct trajectory. */
    kept: count.optional(),
  }),
});
export type ManifestRound = z.infer<typeof ROUND>;

const CELL = z.strictObject({
  dataset: z.string(),
  length: z.number().int().positive(),
  status: z.enum(CELL_STATUSES),
  /** The stage running or last run, e.g. `round 2: rollout`, `merge`. */
  stage: z.string().nullable(),
  /** Finished steps in order: `round 1: plain`, …, `merge`. */
  stages_completed: z.array(z.string()),
  /** New rows needed: target − existing. */
  need: count,
  rounds: z.array(ROUND),
  counts: z.strictObject({
    existing: count,
    generated: count,
    dropped_used: count,
    rollouts: count,
    converted: count,
    kept: count,
    merged: count,
  }),
  files: z.strictObject({ existing: z.string().nullable(), merged: z.string().nullable() }),
  started_at: timestamp,
  updated_at: timestamp,
  finished_at: timestamp,
  error: z.string().nullable(),
});
export type ManifestCell = z.infer<typeof CELL>;

const DATASET = z.strictObject({
  /** `id`, or `source_index` when some existing row has no id. */
  key_field: z.enum(["id", "source_index"]),
  /** Questions in the shuffled list windows are cut from. */
  questions: count,
  /** First position any new window may use (after the existing sets' questions, or `start_position`). */
  start: count,
  /** Next free position. */
  cursor: count,
  existing_rows: count,
  /** Used ids of the existing sets that the data set file does not hold. */
  unknown_used: count,
});
export type ManifestDataset = z.infer<typeof DATASET>;

const MANIFEST = z.strictObject({
  kind: z.literal(MANIFEST_KIND),
  version: z.literal(1),
  config_hash: z.string(),
  /** The settings the hash covers. */
  config: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  datasets: z.record(z.string(), DATASET),
  cells: z.array(CELL),
});
export type GrowManifest = z.infer<typeof MANIFEST>;

export function manifestPathOf(out: string): string {
  return join(out, "manifest.json");
}

/** Read and check a manifest; undefined when the file does not exist. A broken one names file and field. */
export async function readManifest(path: string): Promise<GrowManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return parseManifest(text, path);
}

/** Check manifest text against the schema; every problem in one error naming the first field. */
export function parseManifest(text: string, path: string): GrowManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file: path }, { cause: e });
  }
  const r = MANIFEST.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${fieldPath(i.path) || "(manifest)"}: ${i.message}`);
  const first = r.error.issues[0];
  throw new InputError(
    `not a grow manifest (${issues.length} problem${issues.length === 1 ? "" : "s"}): ${issues.join("; ")}`,
    { file: path, ...(first && first.path.length > 0 ? { field: fieldPath(first.path) } : {}) },
  );
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

/** Write a manifest atomically (checked first: a bug never leaves an unreadable manifest). */
export async function writeManifest(path: string, manifest: GrowManifest): Promise<void> {
  const checked = MANIFEST.parse(manifest);
  await writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`);
}

/** Refuse to resume a manifest made with other settings, listing what changed. */
export function assertSameConfig(
  manifest: GrowManifest,
  hash: string,
  fingerprint: Record<string, unknown>,
  path: string,
): void {
  if (manifest.config_hash === hash) return;
  const changed = changedSettings(manifest.config, fingerprint);
  throw new ConfigError(
    `The config changed since "${path}" was started (${changed.join(", ") || "settings"}); ` +
      "resuming would mix outputs of different settings. Restore those settings or use a new out folder.",
  );
}

/** A cell as first planned. */
export function newCell(dataset: string, length: number): ManifestCell {
  return {
    dataset,
    length,
    status: "pending",
    stage: null,
    stages_completed: [],
    need: 0,
    rounds: [],
    counts: { existing: 0, generated: 0, dropped_used: 0, rollouts: 0, converted: 0, kept: 0, merged: 0 },
    files: { existing: null, merged: null },
    started_at: null,
    updated_at: null,
    finished_at: null,
    error: null,
  };
}

/** The cell totals recomputed from its rounds (merged is set by the merge). */
export function sumRounds(cell: ManifestCell): void {
  const sum = (k: keyof ManifestRound["counts"]) => cell.rounds.reduce((s, r) => s + (r.counts[k] ?? 0), 0);
  cell.counts.generated = sum("plain");
  cell.counts.dropped_used = sum("dropped_used");
  cell.counts.rollouts = sum("rollouts");
  cell.counts.converted = sum("converted");
  cell.counts.kept = sum("kept");
}
