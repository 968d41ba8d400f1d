import { pooledMap } from "../tokenizer/pool.js";

/**
 * `pooledMap` with cancellation: runs `fn` over `items` with at most `concurrency` calls in flight and
 * returns the results in input order. No call starts once `signal` has aborted; `fn` receives the signal
 * to stop its own work. The first rejection (an abort included) rejects the whole map.
 */
export function mapOrdered<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number, signal: AbortSignal | undefined) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return pooledMap(items, concurrency, (item, index) => {
    signal?.throwIfAborted();
    return fn(item, index, signal);
  });
}
