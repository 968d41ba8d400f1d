/**
 * The worker threads of a datasets × lengths run (main side; serve-samples.ts is the worker side). The workers
 * count through the main thread's counter (one tokenizer for all threads) and each builds its own maker from
 * the kind's spec, refusing to start when it differs from the main thread's (maker identity). A data set reaches
 * each worker once: documents, token counts and indexes in shared memory, the questions structured-cloned.
 * Then chunks of questions go out and come back as their JSONL lines' bytes (moved, not copied), in input
 * order.
 */

import type { ResourceLimits } from "node:worker_threads";
import { pooledMap } from "../async/pool.js";
import { deserializeError, type SerializedError } from "../async/worker-errors.js";
import { type WorkerHeap, WorkerPool } from "../async/worker-pool.js";
import { sharedDocumentsOf } from "../compose/documents.js";
import type { SharedSizedCorpus } from "../compose/sized-corpus.js";
import type { QaRecord } from "../corpus/types.js";
import { type SharedLines, sharedLines } from "../io/line-buffers.js";
import { type CounterShape, counterServices } from "../tokenizer/thread-counter.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { type Chunk, SampleError, type SampleSource } from "./sample-maker.js";
import type { WindowItem } from "./windows.js";

/** What every sample worker is started with. */
export interface SampleWorkerInit {
  /** The run's counter, which the workers count through (see thread-counter.ts). */
  counter: CounterShape;
  /** The kind's spec, as its maker factory takes it. */
  spec: unknown;
  /** The main maker's identity; a worker whose maker has another refuses to start. */
  identity: string;
}

/** A data set as it is sent to the workers: shared parts and the questions. */
export interface SampleWorkerDataset {
  key: number;
  name: string;
  sized: SharedSizedCorpus;
  qas: readonly QaRecord[];
}

/** A chunk of a cell: its questions as (question number in `qas`, source index, window index) triples. */
export interface SampleWorkerChunk {
  key: number;
  length: number;
  items: Int32Array;
}

/** What a worker sends back for a chunk. */
export type SampleWorkerReply =
  | { samples: Chunk["samples"]; lines: SharedLines }
  | { failed: { index: number; sourceIndex: number; id: string }; error: SerializedError };

export class SampleWorkers {
  private nextKey = 1;
  private readonly loaded = new Map<SampleSource, { key: number; qaIndex: Map<QaRecord, number> }>();

  private constructor(
    private readonly pool: WorkerPool,
    private readonly name: string,
  ) {}

  static async start(
    entry: URL,
    options: {
      size: number;
      name: string;
      init: SampleWorkerInit;
      /** The run's counter, served to the workers. */
      counter: TokenCounter;
      signal?: AbortSignal;
      resourceLimits?: ResourceLimits;
    },
  ): Promise<SampleWorkers> {
    const pool = await WorkerPool.start(entry, {
      size: options.size,
      name: `${options.name} synthesis`,
      init: options.init,
      services: counterServices(options.counter),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    return new SampleWorkers(pool, options.name);
  }

  get size(): number {
    return this.pool.size;
  }

  /**
   * Send a data set to every worker, once (later calls with the same source do nothing); the one sent before
   * is dropped. `docs` are the source's documents as strings: they are copied once into shared memory.
   */
  async load(source: SampleSource, docs: readonly string[]): Promise<void> {
    if (this.loaded.has(source)) return;
    for (const old of [...this.loaded.keys()]) await this.unload(old);
    const key = this.nextKey++;
    const qaIndex = new Map<QaRecord, number>();
    for (const [i, qa] of source.qas.entries()) qaIndex.set(qa, i);
    const message: SampleWorkerDataset = {
      key,
      name: source.name,
      sized: source.sized.shared(sharedDocumentsOf(docs).parts),
      qas: source.qas,
    };
    await this.pool.broadcast("dataset", message);
    this.loaded.set(source, { key, qaIndex });
  }

  private async unload(ds: SampleSource): Promise<void> {
    const entry = this.loaded.get(ds);
    if (!entry) return;
    this.loaded.delete(ds);
    await this.pool.broadcast("drop", entry.key);
  }

  /**
   * The samples of `items` (questions of `source`, {@link load}ed) at `length`, `chunkSize` questions per
   * call, two calls in flight per worker; chunks come back in input order. A chunk that failed ends it with a
   * {@link SampleError}.
   */
  async *chunks(
    source: SampleSource,
    length: number,
    items: readonly WindowItem[],
    chunkSize: number,
    signal?: AbortSignal,
  ): AsyncGenerator<Chunk> {
    const loaded = this.loaded.get(source);
    if (!loaded) throw new Error(`the data set "${source.name}" was not sent to the workers`);
    const { key, qaIndex } = loaded;
    const starts: number[] = [];
    for (let s = 0; s < items.length; s += chunkSize) starts.push(s);
    const replies = pooledMap(
      2 * this.pool.size,
      starts,
      (start, _i, stop) => {
        const part = items.slice(start, start + chunkSize);
        const triples = new Int32Array(3 * part.length);
        part.forEach((item, k) => {
          const q = qaIndex.get(item.qa);
          if (q === undefined) throw new Error(`question ${item.qa.id} is not one of the data set's`);
          triples.set([q, item.sourceIndex, item.index], 3 * k);
        });
        const chunk: SampleWorkerChunk = { key, length, items: triples };
        return this.pool.call<SampleWorkerReply>("chunk", chunk, {
          transfer: [triples.buffer as ArrayBuffer],
          signal: stop,
        });
      },
      signal ? { signal } : {},
    );
    for await (const reply of replies) {
      if ("failed" in reply)
        throw new SampleError(source.name, length, reply.failed, deserializeError(reply.error));
      yield { samples: reply.samples, ...sharedLines(reply.lines) };
    }
  }

  /** Each worker's heap (see {@link WorkerPool.memory}). */
  memory(): Promise<WorkerHeap[]> {
    return this.pool.memory();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  toString(): string {
    return `${this.name} workers (${this.size})`;
  }
}
