/**
 * The only worker pool: a fixed set of worker threads started once with what they share, then given calls.
 * Each worker starts its calls in the order they were sent ({@link serveWorker} is the worker's side), so a
 * message every worker must see first ({@link WorkerPool.broadcast}, e.g. a data set) is seen before any later
 * call; a call that waits on the main thread's {@link WorkerServices} lets the worker's next call run. Calls go to the least busy worker; ordering their results is the caller's
 * business (see `pooledMap`). A worker that fails to start, throws outside a call or stops fails the pool:
 * its calls and every later one reject, nothing waits forever. Idle workers never keep the process alive.
 */
import { existsSync } from "node:fs";
import { availableParallelism, freemem } from "node:os";
import { fileURLToPath } from "node:url";
import { type ResourceLimits, type Transferable, Worker } from "node:worker_threads";
import { ConfigError, KeychainError } from "../errors.js";
import { deserializeError, type SerializedError, serializeError } from "./worker-errors.js";

/** A worker count as users write it: a number of threads, or `auto` ({@link autoWorkerCount}). */
export type WorkerCount = number | "auto";

/** What a worker sends: see serve-worker.ts. A `request` asks one of the pool's {@link WorkerServices}. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "failed"; error: SerializedError }
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "request"; id: number; method: string; payload: unknown };

/** What the main thread sends: a call of one of the worker's handlers, or the answer to a worker's request. */
export type ToWorker =
  | { type: "call"; id: number; method: string; payload: unknown }
  | { type: "answer"; id: number; value: unknown }
  | { type: "refusal"; id: number; error: SerializedError };

/**
 * What the main thread does for its workers, by method name (a worker asks with `host.request`): something
 * one copy of serves every thread, such as a tokenizer.
 */
export type WorkerServices = Record<string, (payload: never) => unknown>;

/** A worker thread's heap, as `process.memoryUsage()` gives it inside the thread. @unit bytes */
export interface WorkerHeap {
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** A worker thread that stopped (crashed, ran out of memory, exited) while the pool still needed it. */
export class WorkerStoppedError extends KeychainError {
  override name = "WorkerStoppedError";
}

export interface WorkerPoolOptions {
  /** Worker threads: a positive integer. */
  size: number;
  /** Handed to each worker's setup: structured-cloned once per worker (SharedArrayBuffers are shared). */
  init: unknown;
  /** What the threads do, for messages: `plain synthesis` → "plain synthesis worker 2 stopped: …". */
  name: string;
  /** Terminates every worker when it aborts; calls in flight reject with its reason. */
  signal?: AbortSignal;
  /** V8 heap limits of each worker (Node's `resourceLimits`). */
  resourceLimits?: ResourceLimits;
  /** What the workers may ask of the main thread while they set up or work. */
  services?: WorkerServices;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  number: number;
  calls: Map<number, Pending>;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private failure: { error: unknown } | undefined;
  private closed = false;
  private readonly ready: Promise<void>;
  private readonly onAbort: () => void;

  private constructor(
    entry: URL,
    private readonly options: WorkerPoolOptions,
  ) {
    const { size, name } = options;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a worker pool needs a positive integer size, got ${size}`);
    const starts: Promise<void>[] = [];
    for (let number = 1; number <= size; number++) {
      const worker = new Worker(entry, {
        workerData: { init: options.init },
        ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      });
      const slot: Slot = { worker, number, calls: new Map() };
      this.slots.push(slot);
      starts.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: WorkerMessage) => {
            if (m.type === "ready") resolve();
            else if (m.type === "failed") reject(deserializeError(m.error));
            else if (m.type === "request") void this.answer(slot, m);
            else this.settle(slot, m);
          };
          worker.on("message", onMessage);
          worker.on("error", (error) => {
            const e = new WorkerStoppedError(`${name} worker ${number} stopped: ${error.message}`, {
              cause: error,
            });
            reject(e);
            this.fail(e);
          });
          worker.on("messageerror", (error) => this.fail(error));
          worker.on("exit", (code) => {
            if (this.closed) return;
            const e = new WorkerStoppedError(`${name} worker ${number} stopped (exit code ${code})`);
            reject(e);
            this.fail(e);
          });
        }),
      );
    }
    // Started workers keep the process alive until they are ready; then only calls in flight do.
    this.ready = Promise.all(starts).then(() => {
      for (const s of this.slots) if (s.calls.size === 0) s.worker.unref();
    });
    this.onAbort = () => {
      this.fail(options.signal?.reason);
      void this.close();
    };
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /**
   * Start `size` workers running `entry` (a compiled module that calls {@link serveWorker}) and wait until
   * each has set itself up. A worker whose setup throws fails the start with that error; the others are
   * terminated.
   */
  static async start(entry: URL, options: WorkerPoolOptions): Promise<WorkerPool> {
    options.signal?.throwIfAborted();
    const pool = new WorkerPool(entry, options);
    try {
      await pool.ready;
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Call `method` in the least busy worker; resolves with what it returns. `transfer` lists buffers moved
   * (not copied) to the worker. `signal` rejects the call at once when it aborts (the worker's result is then
   * dropped).
   */
  call<R>(
    method: string,
    payload: unknown,
    options: { transfer?: readonly Transferable[]; signal?: AbortSignal } = {},
  ): Promise<R> {
    let slot = this.slots[0] as Slot;
    for (const s of this.slots) if (s.calls.size < slot.calls.size) slot = s;
    return this.send(slot, method, payload, options) as Promise<R>;
  }

  /** Call `method` in every worker (each one copy of `payload`); resolves with their results, by worker. */
  broadcast<R = unknown>(method: string, payload: unknown): Promise<R[]> {
    return Promise.all(this.slots.map((slot) => this.send(slot, method, payload, {}) as Promise<R>));
  }

  /** Each worker's heap, from V8 (its isolate; native memory such as a tokenizer's is not in it). @unit bytes */
  memory(): Promise<WorkerHeap[]> {
    return this.broadcast<WorkerHeap>("memory", null);
  }

  /** Terminate every worker; calls still in flight reject. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.fail(new WorkerStoppedError(`the ${this.options.name} workers were closed`));
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => {})));
  }

  private send(
    slot: Slot,
    method: string,
    payload: unknown,
    options: { transfer?: readonly Transferable[]; signal?: AbortSignal },
  ): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure.error);
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => {
        if (slot.calls.delete(id) && slot.calls.size === 0) slot.worker.unref();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      slot.calls.set(id, {
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      // A call in flight keeps the process alive; an idle pool does not.
      if (slot.calls.size === 1) slot.worker.ref();
      const message: ToWorker = { type: "call", id, method, payload };
      try {
        slot.worker.postMessage(message, options.transfer as Transferable[] | undefined);
      } catch (e) {
        slot.calls.delete(id);
        if (slot.calls.size === 0) slot.worker.unref();
        done();
        reject(e);
      }
    });
  }

  /** Answer a worker's request with the service it names; a service that throws refuses it with the error. */
  private async answer(slot: Slot, m: Extract<WorkerMessage, { type: "request" }>): Promise<void> {
    let reply: ToWorker;
    try {
      const services = this.options.services ?? {};
      const service = Object.hasOwn(services, m.method) ? services[m.method] : undefined;
      if (!service) throw new Error(`the main thread has no service ${JSON.stringify(m.method)}`);
      reply = { type: "answer", id: m.id, value: await service(m.payload as never) };
    } catch (e) {
      reply = { type: "refusal", id: m.id, error: serializeError(e) };
    }
    if (this.closed) return;
    try {
      slot.worker.postMessage(reply);
    } catch (e) {
      this.fail(e);
    }
  }

  private settle(slot: Slot, m: WorkerMessage): void {
    if (m.type !== "result" && m.type !== "error") return;
    const call = slot.calls.get(m.id);
    if (!call) return;
    slot.calls.delete(m.id);
    if (slot.calls.size === 0) slot.worker.unref();
    if (m.type === "result") call.resolve(m.value);
    else call.reject(deserializeError(m.error));
  }

  /** Reject every call in flight, and every later one, with `error` (the first failure wins). */
  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const slot of this.slots) {
      const calls = [...slot.calls.values()];
      slot.calls.clear();
      slot.worker.unref();
      for (const c of calls) c.reject(this.failure.error);
    }
  }
}

/** Whether a compiled worker entry is there: under the TypeScript sources (vitest) it is not. */
export function workerEntryExists(entry: URL): boolean {
  return entry.protocol === "file:" && existsSync(fileURLToPath(entry));
}

/**
 * Resident memory a worker thread takes, as `auto` reckons it: building samples (records of up to a few MB in
 * flight, the caches of synthesis), or reading (parsing and checking JSON lines). Workers count through the
 * main thread's tokenizer, so none holds a tokenizer of its own.
 * @unit bytes
 */
export const WORKER_MEMORY = { synthesis: 256 * 2 ** 20, reading: 96 * 2 ** 20 } as const;

/** What {@link autoWorkerCount} looks at; injectable for tests. */
export interface MachineInfo {
  /** `os.availableParallelism()`. */
  cores: number;
  /** Memory available to new threads: free memory, or what is left under a cgroup limit. @unit bytes */
  availableMemory: number;
}

/** This machine's {@link MachineInfo}. */
export function machineInfo(): MachineInfo {
  const free = freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  const underLimit = limit > 0 ? limit - process.memoryUsage().rss : Number.POSITIVE_INFINITY;
  return { cores: availableParallelism(), availableMemory: Math.max(0, Math.min(free, underLimit)) };
}

/**
 * `auto`: one worker per core, capped so that the workers together take at most half the memory available
 * (free memory, or the room left under a container's limit), `bytesPerWorker` each; at least 1.
 */
export function autoWorkerCount(bytesPerWorker: number, machine: MachineInfo = machineInfo()): number {
  const byMemory = Math.floor(machine.availableMemory / 2 / bytesPerWorker);
  return Math.max(1, Math.min(machine.cores, byMemory));
}

/**
 * A worker count checked: a positive integer (or its digits) or `auto`; anything else is a ConfigError,
 * its message led by `what` when given (`--workers: expected …`).
 */
export function parseWorkerCount(value: unknown, what?: string): WorkerCount {
  if (value === "auto") return "auto";
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 1) return n;
  const message = `expected a positive integer or auto, got ${JSON.stringify(value)}`;
  throw new ConfigError(what === undefined ? message : `${what}: ${message}`);
}
