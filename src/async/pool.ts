/**
 * Ordered bounded concurrency as an async iterable: the shape of Deno std's `pooledMap(limit, iterable, fn)`.
 * Used wherever a collection is mapped with a cap on the calls in flight (token counting, the LLM stages).
 */
import { setMaxListeners } from "node:events";

/** Options of `pooledMap`. */
export interface PoolOptions {
  /** Stops the pool: no call starts after it aborts, and the iteration rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * Calls `fn` on each item of `items` with at most `limit` calls in flight, and yields the results in input
 * order, whatever order the calls finish in. Nothing runs until the first `next()`; items are then pulled
 * and calls started while the consumer waits for a result, so a consumer that stops pulling also stops new
 * calls from starting. Results that finish ahead of an earlier one wait, in order, until it is yielded.
 *
 * `fn` gets the item, its 0-based index and a signal that aborts when the pool ends early. The iteration
 * ends early on the first of: a call rejecting (the iteration rejects with that error), `options.signal`
 * aborting (it rejects with the signal's reason), the input throwing (it rejects with that error), or
 * the consumer leaving the loop. Then no further call starts, the calls still in flight are told to stop
 * through their signal, and the iteration settles only once they have all settled: their results and
 * errors are dropped, so nothing the pool started outlives it.
 *
 * @param limit calls in flight at most; a positive integer.
 */
export async function* pooledMap<T, R>(
  limit: number,
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  options: PoolOptions = {},
): AsyncGenerator<R, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const outer = options.signal;
  outer?.throwIfAborted();

  const stop = new AbortController();
  // Each call in flight may listen on this signal (up to `limit` of them, a few listeners each): not a leak.
  setMaxListeners(0, stop.signal);
  /** Why the iteration ends early: the first failure or the abort, whichever came first. */
  let ending: { reason: unknown } | undefined;
  const end = (reason: unknown): void => {
    if (ending !== undefined) return;
    ending = { reason };
    stop.abort(reason);
    wake();
  };
  const onAbort = (): void => end(outer?.reason);
  outer?.addEventListener("abort", onAbort, { once: true });

  /** Results not yet yielded, in input order; `settled` turns true when the call finishes. */
  const queue: { settled: boolean; value?: R }[] = [];
  const inFlight = new Set<Promise<void>>();
  let changed: (() => void) | undefined;
  function wake(): void {
    changed?.();
    changed = undefined;
  }
  const start = (item: T, index: number): void => {
    const slot: { settled: boolean; value?: R } = { settled: false };
    queue.push(slot);
    let call: Promise<R>;
    try {
      call = fn(item, index, stop.signal);
    } catch (error) {
      call = Promise.reject(error);
    }
    const settled = call.then(
      (value) => {
        slot.value = value;
        slot.settled = true;
      },
      (error: unknown) => end(error),
    );
    const tracked = settled.finally(() => {
      inFlight.delete(tracked);
      wake();
    });
    inFlight.add(tracked);
  };

  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let exhausted = false;
  let completed = false;
  let index = 0;
  try {
    for (;;) {
      while (ending === undefined && !exhausted && inFlight.size < limit) {
        let step: IteratorResult<T>;
        try {
          step = await iterator.next();
        } catch (error) {
          exhausted = true;
          end(error);
          break;
        }
        if (step.done) exhausted = true;
        else if (ending === undefined) start(step.value, index++);
      }
      while (ending === undefined && queue[0]?.settled) {
        const head = queue.shift() as { value: R };
        yield head.value;
      }
      if (ending !== undefined) throw ending.reason;
      if (exhausted && queue.length === 0) {
        completed = true;
        return;
      }
      // A slot freed while the consumer held a result: start the next call first.
      if (!exhausted && inFlight.size < limit) continue;
      // Something in flight (the head or a call behind it) will settle and wake us up.
      await new Promise<void>((resolve) => {
        changed = resolve;
      });
    }
  } finally {
    outer?.removeEventListener("abort", onAbort);
    // Left early (a failure, an abort, or a consumer that stopped pulling): tell the calls to stop.
    if (!completed) stop.abort(ending?.reason);
    await Promise.all(inFlight);
    if (!exhausted) await iterator.return?.();
  }
}

/** Every value of `source`, in order: `Array.fromAsync` for Node 20. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
}

/**
 * `fn` over `items` with at most `concurrency` calls in flight, results in input order.
 * @deprecated Kept for the package's public API: use
 * `collect(pooledMap(concurrency, items, fn, { signal }))`.
 */
export function mapOrdered<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  return collect(pooledMap(concurrency, items, fn, signal ? { signal } : {}));
}
