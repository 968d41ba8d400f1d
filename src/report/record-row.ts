/**
 * What one plain, KeyChain, rollout or SFT record adds to the statistics, as plain data: read from the record
 * on whichever thread parses it (the main thread, or a worker of `stats`/`report`), added to its group on the
 * main thread, in file order.
 */
import type { FieldReader } from "../corpus/fields.js";
import { InputError, type Place } from "../errors.js";
import { type DifficultyRow, readDifficultyRow } from "./difficulty-stats.js";
import { NUMBER, optional, STRING } from "./field-checks.js";
import { type GroupKind, sftRowKind } from "./group-kind.js";
import type { GroupTable } from "./group-stats.js";
import { type KeychainRow, readKeychainRow } from "./keychain-stats.js";
import { detectRecordKind, type RecordKind } from "./kinds.js";
import { readTrajectoryScores, type TrajectoryScores } from "./rollout-stats.js";
import { readSampleRow, type SampleRow } from "./sample-stats.js";
import { readSftRowScores, type SftRowScores } from "./sft-stats.js";

/** One record's numbers and the group (dataset × kind × target length) they go to. */
export type RecordRow =
  | { kind: "plain" | "keychain"; dataset: string; length: number; sample: SampleRow; keychain?: KeychainRow }
  | {
      kind: "rollout-plain" | "rollout-keychain";
      dataset: string;
      length: number | null;
      trajectories: TrajectoryScores[];
      difficulty: DifficultyRow;
    }
  | { kind: "sft"; dataset: string; group: GroupKind; sft: SftRowScores };

/** The kind of a record ({@link detectRecordKind}); an InputError at `place` when it is none of them. */
export function detectKind(value: unknown, place: Place): RecordKind {
  const kind = detectRecordKind(value);
  if (kind === undefined)
    throw new InputError(
      "not a plain, KeyChain, rollout or SFT record (expected an object with context + prompt_length, distractor_context + chain, trajectories, or messages)",
      place,
    );
  return kind;
}

/**
 * The numbers of a record of `kind`; an InputError names a bad field. `fallbackDataset` names records that
 * carry no `dataset` (rollouts of filter records, SFT rows of other tools).
 */
export function readRecordRow(
  r: Record<string, unknown>,
  f: FieldReader,
  kind: RecordKind,
  fallbackDataset: string,
): RecordRow {
  switch (kind) {
    case "plain":
    case "keychain": {
      const dataset = f.expect(r.dataset, "dataset", STRING);
      const length = f.expect(r.target_length, "target_length", NUMBER);
      const sample = readSampleRow(r, f);
      return kind === "keychain"
        ? { kind, dataset, length, sample, keychain: readKeychainRow(r, f) }
        : { kind, dataset, length, sample };
    }
    case "rollout-plain":
    case "rollout-keychain": {
      const over = kind === "rollout-keychain" ? "keychain" : "plain";
      const dataset = optional(f, r.dataset, "dataset", STRING) ?? fallbackDataset;
      const length = optional(f, r.target_length, "target_length", NUMBER) ?? null;
      const trajectories = readTrajectoryScores(r, f);
      return { kind, dataset, length, trajectories, difficulty: readDifficultyRow(r, f, over, trajectories) };
    }
    case "sft": {
      const dataset = optional(f, r.dataset, "dataset", STRING) ?? fallbackDataset;
      return { kind, dataset, group: sftRowKind(r, f), sft: readSftRowScores(r, f) };
    }
  }
}

/** Add a record's numbers to its group. */
export function addRecordRow(groups: GroupTable, row: RecordRow): void {
  switch (row.kind) {
    case "plain":
    case "keychain": {
      const g = groups.of(row.dataset, row.kind, row.length);
      g.samples.add(row.sample);
      if (row.keychain) g.keychain.add(row.keychain);
      return;
    }
    case "rollout-plain":
    case "rollout-keychain": {
      const g = groups.of(row.dataset, row.kind === "rollout-keychain" ? "keychain" : "plain", row.length);
      g.rollouts.add(row.trajectories);
      g.difficulty.add(row.difficulty);
      return;
    }
    case "sft":
      groups.of(row.dataset, row.group, null).sft.add(row.sft);
      return;
  }
}
