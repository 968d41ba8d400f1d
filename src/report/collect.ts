import { basename, dirname, resolve } from "node:path";
import { FieldReader } from "../corpus/fields.js";
import { readJsonLines } from "../corpus/json-lines.js";
import { InputError } from "../errors.js";
import { readDifficultyRow } from "./difficulty-stats.js";
import { NUMBER, optional, STRING } from "./field-checks.js";
import { sftRowKind } from "./group-kind.js";
import { type GroupStats, GroupTable } from "./group-stats.js";
import { readKeychainRow } from "./keychain-stats.js";
import { detectRecordKind, type RecordKind } from "./kinds.js";
import { readTrajectoryScores } from "./rollout-stats.js";
import { readSampleRow } from "./sample-stats.js";
import { readSftRowScores } from "./sft-stats.js";
import { readSidecarSkips } from "./sidecar-skips.js";

/**
 * Streaming statistics over pipeline outputs (plain, KeyChain, rollout and SFT JSONL files), grouped by
 * dataset × kind (plain or KeyChain) × target length. Records are read one line at a time and only numbers are kept, so a file of 128K
 * instances (~1 MB a line) is read in constant memory apart from one number per record per distribution.
 */

/** Dataset name used when a record has none and its file is in no folder. */
export const NO_DATASET = "(none)";

export interface CollectOptions {
  /** Read the `<file>.meta.json` sidecar next to each plain/KeyChain file for skipped samples. @default true */
  sidecars?: boolean;
  /** Called after each file is read (for progress output). */
  onFile?: (file: FileReport) => void;
}

/** {@link CollectOptions} with every default filled in. */
export interface ResolvedCollectOptions {
  sidecars: boolean;
  onFile: ((file: FileReport) => void) | undefined;
}

export function resolveCollectOptions(o: CollectOptions = {}): ResolvedCollectOptions {
  return { sidecars: o.sidecars ?? true, onFile: o.onFile };
}

/** One input file as read. */
export interface FileReport {
  path: string;
  /** Detected from the first record; `null` for a file without records. */
  kind: RecordKind | null;
  records: number;
  /** Path of the `.meta.json` sidecar that was read, or `null`. */
  sidecar: string | null;
  /** Samples the sidecar lists as skipped. */
  skipped: number;
}

export interface ReportData {
  files: FileReport[];
  /** Sorted by dataset, then kind (plain first), then length (`null` last). */
  groups: GroupStats[];
}

/** Read every file (streamed, one after another) and summarise per dataset × kind × target length. */
export async function collectStats(
  files: readonly string[],
  options: CollectOptions = {},
): Promise<ReportData> {
  const o = resolveCollectOptions(options);
  const groups = new GroupTable();
  const reports: FileReport[] = [];
  for (const path of files) {
    const report = await readDataFile(path, groups);
    if (o.sidecars && report.kind !== "sft" && !report.kind?.startsWith("rollout")) {
      const skips = await readSidecarSkips(`${path}.meta.json`, report.kind);
      if (skips !== undefined) {
        const g = groups.of(skips.dataset, skips.kind, skips.maxSeqLength);
        for (const reason of skips.reasons) g.skips.add(reason);
        report.sidecar = skips.path;
        report.skipped = skips.reasons.length;
      }
    }
    reports.push(report);
    o.onFile?.(report);
  }
  return { files: reports, groups: groups.finish() };
}

/** Streams the records of one JSONL file into their groups; every record must be of the first one's kind. */
async function readDataFile(path: string, groups: GroupTable): Promise<FileReport> {
  const report: FileReport = { path, kind: null, records: 0, sidecar: null, skipped: 0 };
  try {
    for await (const { value, place } of readJsonLines(path)) {
      const kind = detectRecordKind(value);
      if (kind === undefined)
        throw new InputError(
          "not a plain, KeyChain, rollout or SFT record (expected an object with context + prompt_length, distractor_context + chain, trajectories, or messages)",
          place,
        );
      if (report.kind === null) report.kind = kind;
      else if (kind !== report.kind)
        throw new InputError(
          `expected a ${report.kind} record like the first one, got a ${kind} record`,
          place,
        );
      // detectRecordKind only accepts objects.
      addRecord(value as Record<string, unknown>, new FieldReader(place), kind, groups, folderName(path));
      report.records++;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read the file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return report;
}

/** The name of the folder a file is in (`trajectories/hotpotqa/x.jsonl` → `hotpotqa`), or {@link NO_DATASET}. */
function folderName(path: string): string {
  return basename(dirname(resolve(path))) || NO_DATASET;
}

/** `fallbackDataset` names records that carry no `dataset` (rollouts of filter records, SFT rows of other tools). */
function addRecord(
  r: Record<string, unknown>,
  f: FieldReader,
  kind: RecordKind,
  groups: GroupTable,
  fallbackDataset: string,
): void {
  switch (kind) {
    case "plain":
    case "keychain": {
      const g = groups.of(
        f.expect(r.dataset, "dataset", STRING),
        kind,
        f.expect(r.target_length, "target_length", NUMBER),
      );
      g.samples.add(readSampleRow(r, f));
      if (kind === "keychain") g.keychain.add(readKeychainRow(r, f));
      return;
    }
    case "rollout-plain":
    case "rollout-keychain": {
      const over = kind === "rollout-keychain" ? "keychain" : "plain";
      const dataset = optional(f, r.dataset, "dataset", STRING) ?? fallbackDataset;
      const g = groups.of(dataset, over, optional(f, r.target_length, "target_length", NUMBER) ?? null);
      const trajectories = readTrajectoryScores(r, f);
      g.rollouts.add(trajectories);
      g.difficulty.add(readDifficultyRow(r, f, over, trajectories));
      return;
    }
    case "sft": {
      const dataset = optional(f, r.dataset, "dataset", STRING) ?? fallbackDataset;
      const g = groups.of(dataset, sftRowKind(r, f), null);
      g.sft.add(readSftRowScores(r, f));
      return;
    }
  }
}
