/**
 * The worker side of {@link WorkerPool}: a worker entry calls {@link serveWorker} with its setup, which turns
 * the pool's `init` into the worker's handlers (load a tokenizer, rebuild a job from its spec). Messages are
 * handled one at a time, in the order they came; a handler's error goes back to its call, a setup error fails
 * the pool's start.
 */
import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "./worker-errors.js";
import type { WorkerCall, WorkerMessage } from "./worker-pool.js";

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

/** Serve the pool's calls in this worker thread. `setup` gets the pool's `init`. */
export function serveWorker(setup: (init: unknown) => Promise<WorkerHandlers> | WorkerHandlers): void {
  const port = parentPort;
  if (!port) throw new Error("serveWorker runs in a worker thread");
  const post = (m: WorkerMessage, transfer?: readonly ArrayBuffer[]) =>
    port.postMessage(m, transfer as ArrayBuffer[] | undefined);
  const handlers = (async () => setup((workerData as { init: unknown }).init))();
  handlers.then(
    () => post({ type: "ready" }),
    (e: unknown) => post({ type: "failed", error: serializeError(e) }),
  );
  let chain: Promise<void> = Promise.resolve();
  port.on("message", (call: WorkerCall) => {
    chain = chain.then(async () => {
      try {
        const h = await handlers;
        const handler = Object.hasOwn(h, call.method) ? h[call.method] : BUILT_IN[call.method];
        if (!handler) throw new Error(`this worker has no method ${JSON.stringify(call.method)}`);
        const out = await handler(call.payload as never);
        if (out instanceof WorkerReply) post({ type: "result", id: call.id, value: out.value }, out.transfer);
        else post({ type: "result", id: call.id, value: out });
      } catch (e) {
        post({ type: "error", id: call.id, error: serializeError(e) });
      }
    });
  });
}
