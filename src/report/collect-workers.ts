/**
 * Collecting statistics in worker threads (main side; collect-worker.ts is the worker side): a file is read
 * as blocks of whole lines that move to the workers undecoded; each worker parses its blocks and reads each
 * record's numbers, and the main thread adds them to their groups in file order — so the statistics are the
 * ones the main thread alone would gather, errors included (the first bad line of the file is the one named).
 */
import { stat } from "node:fs/promises";
import { pooledMap } from "../async/pool.js";
import type { SerializedError } from "../async/worker-errors.js";
import {
  autoWorkerCount,
  WORKER_MEMORY,
  type WorkerCount,
  WorkerPool,
  workerEntryExists,
} from "../async/worker-pool.js";
import { readLineBlocks } from "../io/line-blocks.js";
import type { RecordKind } from "./kinds.js";
import type { RecordRow } from "./record-row.js";

/** The compiled worker entry; missing under the TypeScript sources (then records are parsed here). */
export const COLLECT_WORKER_ENTRY = new URL("./collect-worker.js", import.meta.url);

/** `auto` uses worker threads for files of at least this size. @unit bytes */
export const AUTO_COLLECT_WORKERS_MIN_BYTES = 16 * 2 ** 20;

/** A block of lines for a worker: its bytes (moved) and where it starts. */
export interface CollectBlock {
  path: string;
  /** The dataset of records that name none: the file's folder. */
  fallbackDataset: string;
  bytes: ArrayBuffer;
  line: number;
  offset: number;
}

/**
 * What a worker found in a block: the rows of its records in order, up to the first line that failed (its
 * kind, when it was told, and the error).
 */
export interface CollectedBlock {
  rows: { line: number; row: RecordRow }[];
  failure?: { line: number; kind: RecordKind | undefined; error: SerializedError };
}

/** The worker threads of one `collectStats`: started at the first file big enough, kept for the rest. */
export class CollectWorkers {
  private pool: Promise<WorkerPool> | undefined;

  constructor(
    private readonly workers: WorkerCount,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The pool to read `path` with, or undefined to read it on the main thread. */
  async forFile(path: string): Promise<WorkerPool | undefined> {
    if (this.workers === 1 || !workerEntryExists(COLLECT_WORKER_ENTRY)) return undefined;
    let size = this.workers;
    if (size === "auto") {
      const bytes = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (bytes < AUTO_COLLECT_WORKERS_MIN_BYTES) return undefined;
      size = autoWorkerCount(WORKER_MEMORY.reading);
      if (size <= 1) return undefined;
    }
    this.pool ??= WorkerPool.start(COLLECT_WORKER_ENTRY, {
      size,
      name: "stats",
      init: null,
      ...(this.signal ? { signal: this.signal } : {}),
    });
    return this.pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool.catch(() => undefined))?.close();
  }
}

/** The blocks of `path` as the workers read them, in file order. */
export async function* collectInWorkers(
  pool: WorkerPool,
  path: string,
  fallbackDataset: string,
  signal?: AbortSignal,
): AsyncGenerator<CollectedBlock> {
  async function* blocks(): AsyncGenerator<CollectBlock> {
    for await (const b of readLineBlocks(path))
      yield { path, fallbackDataset, bytes: b.bytes.buffer as ArrayBuffer, line: b.line, offset: b.offset };
  }
  yield* pooledMap(
    2 * pool.size,
    blocks(),
    (block, _i, stop) => pool.call<CollectedBlock>("block", block, { transfer: [block.bytes], signal: stop }),
    signal ? { signal } : {},
  );
}
