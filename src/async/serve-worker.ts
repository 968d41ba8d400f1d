/**
 * The worker side of {@link WorkerPool}: a worker entry calls {@link serveWorker} with its setup, which turns
 * the pool's `init` into the worker's handlers (rebuild a job from its spec). Calls start in the order they
 * came, each once the one before has run up to its first wait: a handler that does not wait (loading a data
 * set) is done before the next call starts, and one that waits (on the main thread's services) lets the next
 * call work meanwhile — the pool's callers bound the calls in flight. A handler's error goes back to its call,
 * a setup error fails the pool's start. A worker may ask the main thread's services (a tokenizer every thread
 * shares) through its host.
 */
import { parentPort, workerData } from "node:worker_threads";
import { deserializeError, serializeError } from "./worker-errors.js";
import type { ToWorker, WorkerMessage } from "./worker-pool.js";

/** What a handler returns to the pool: a value, and the buffers moved (not copied) with it. */
export class WorkerReply<T = unknown> {
  constructor(
    readonly value: T,
    readonly transfer: readonly ArrayBuffer[] = [],
  ) {}
}

/** The calls a worker answers, by method name. */
export type WorkerHandlers = Record<string, (payload: never) => unknown>;

/** Calls every worker answers: `memory`, this thread's heap (V8's figures of its isolate). */
const BUILT_IN: WorkerHandlers = {
  memory: () => {
    const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    return { heapTotal, heapUsed, external, arrayBuffers };
  },
};

/** The main thread, as a worker's setup sees it. */
export interface WorkerHost {
  /** Ask the main thread's service `method` (one of the pool's `services`); resolves with its answer. */
  request<R>(method: string, payload: unknown): Promise<R>;
}

/**
 * Serve the pool's calls in this worker thread. `setup` gets the pool's `init`, and the host to ask the main
 * thread's services with (answers come in as soon as they arrive, between the calls handled in order).
 */
export function serveWorker(
  setup: (init: unknown, host: WorkerHost) => Promise<WorkerHandlers> | WorkerHandlers,
): void {
  const port = parentPort;
  if (!port) throw new Error("serveWorker runs in a worker thread");
  const post = (m: WorkerMessage, transfer?: readonly ArrayBuffer[]) =>
    port.postMessage(m, transfer as ArrayBuffer[] | undefined);
  let nextRequest = 1;
  const requests = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const host: WorkerHost = {
    request<R>(method: string, payload: unknown): Promise<R> {
      const id = nextRequest++;
      return new Promise<R>((resolve, reject) => {
        requests.set(id, { resolve: resolve as (v: unknown) => void, reject });
        post({ type: "request", id, method, payload });
      });
    },
  };
  const handlers = (async () => setup((workerData as { init: unknown }).init, host))();
  handlers.then(
    () => post({ type: "ready" }),
    (e: unknown) => post({ type: "failed", error: serializeError(e) }),
  );
  const handle = async (m: Extract<ToWorker, { type: "call" }>) => {
    try {
      const h = await handlers;
      const handler = Object.hasOwn(h, m.method) ? h[m.method] : BUILT_IN[m.method];
      if (!handler) throw new Error(`this worker has no method ${JSON.stringify(m.method)}`);
      const out = await handler(m.payload as never);
      if (out instanceof WorkerReply) post({ type: "result", id: m.id, value: out.value }, out.transfer);
      else post({ type: "result", id: m.id, value: out });
    } catch (e) {
      post({ type: "error", id: m.id, error: serializeError(e) });
    }
  };
  port.on("message", (m: ToWorker) => {
    if (m.type === "call") {
      void handle(m);
      return;
    }
    const r = requests.get(m.id);
    requests.delete(m.id);
    if (m.type === "answer") r?.resolve(m.value);
    else r?.reject(deserializeError(m.error));
  });
}
