import { basename, dirname, resolve } from "node:path";
import { deserializeError } from "../async/worker-errors.js";
import type { WorkerCount } from "../async/worker-pool.js";
import { FieldReader } from "../corpus/fields.js";
import { readJsonLines } from "../corpus/json-lines.js";
import { InputError, type Place } from "../errors.js";
import { CollectWorkers, collectInWorkers } from "./collect-workers.js";
import { type GroupStats, GroupTable } from "./group-stats.js";
import type { RecordKind } from "./kinds.js";
import { addRecordRow, detectKind, readRecordRow } from "./record-row.js";
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
  /**
   * Worker threads that parse the records: a number, or `auto` (one per core, capped by memory, for files of
   * 16 MiB or more). 1 parses on the main thread. The statistics are the same whatever the number.
   * @default "auto"
   */
  workers?: WorkerCount;
  /** Stops reading: the worker threads are terminated and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** {@link CollectOptions} with every default filled in. */
export interface ResolvedCollectOptions {
  sidecars: boolean;
  onFile: ((file: FileReport) => void) | undefined;
  workers: WorkerCount;
  signal: AbortSignal | undefined;
}

export function resolveCollectOptions(o: CollectOptions = {}): ResolvedCollectOptions {
  return { sidecars: o.sidecars ?? true, onFile: o.onFile, workers: o.workers ?? "auto", signal: o.signal };
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
  const workers = new CollectWorkers(o.workers, o.signal);
  try {
    for (const path of files) {
      const report = await readDataFile(path, groups, workers);
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
  } finally {
    await workers.close();
  }
  return { files: reports, groups: groups.finish() };
}

/**
 * Streams the records of one JSONL file into their groups, in file order (read here, or parsed by worker
 * threads); every record must be of the first one's kind.
 */
async function readDataFile(path: string, groups: GroupTable, workers: CollectWorkers): Promise<FileReport> {
  const report: FileReport = { path, kind: null, records: 0, sidecar: null, skipped: 0 };
  const expectKind = (kind: RecordKind, place: Place) => {
    if (report.kind === null) report.kind = kind;
    else if (kind !== report.kind)
      throw new InputError(
        `expected a ${report.kind} record like the first one, got a ${kind} record`,
        place,
      );
  };
  try {
    const fallback = folderName(path);
    const pool = await workers.forFile(path);
    if (pool) {
      for await (const block of collectInWorkers(pool, path, fallback, workers.signal)) {
        for (const { line, row } of block.rows) {
          expectKind(row.kind, { file: path, line });
          addRecordRow(groups, row);
          report.records++;
        }
        if (block.failure) {
          const { line, kind } = block.failure;
          if (kind !== undefined) expectKind(kind, { file: path, line });
          throw deserializeError(block.failure.error);
        }
      }
      return report;
    }
    for await (const { value, place } of readJsonLines(path)) {
      const kind = detectKind(value, place);
      expectKind(kind, place);
      // detectRecordKind only accepts objects.
      addRecordRow(
        groups,
        readRecordRow(value as Record<string, unknown>, new FieldReader(place), kind, fallback),
      );
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
