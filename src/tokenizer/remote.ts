/** What the vLLM and Gemini counters share: bounded-concurrency batches, cancellation, option defaults. */

import { collect, pooledMap } from "../async/pool.js";
import { ConfigError } from "../errors.js";
import { type HttpOptions, type ResolvedHttpOptions, resolveHttpOptions } from "./http.js";
import type { TokenCounter } from "./types.js";

/** Options of a remote counter, as the user writes them. */
export interface RemoteCounterOptions extends HttpOptions {
  /** Requests in flight at once in `countBatch`. @default 8 */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 8;

/** One remote backend: how to count (and maybe encode) one text. */
export interface RemoteBackend {
  id: string;
  name: string;
  count(text: string, http: ResolvedHttpOptions): Promise<number>;
  /** Absent when the service cannot return ids. */
  encode?: (text: string, http: ResolvedHttpOptions) => Promise<number[]>;
  /** Message for `encode` when the service cannot return ids. */
  noEncodeMessage?: string;
}

/**
 * A `TokenCounter` over a remote backend. `countBatch` keeps order and has at most `concurrency`
 * requests in flight; its first failure aborts the batch's other requests and is rethrown once they have
 * stopped. The empty text counts 0 without a request; `close` aborts requests in flight.
 */
export function createRemoteCounter(
  backend: RemoteBackend,
  options: RemoteCounterOptions = {},
): TokenCounter {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const closing = new AbortController();
  const base = resolveHttpOptions(options);
  const signal = base.signal ? AbortSignal.any([base.signal, closing.signal]) : closing.signal;
  const http: ResolvedHttpOptions = { ...base, signal };
  const count = (text: string): Promise<number> =>
    text === "" ? Promise.resolve(0) : backend.count(text, http);
  /** One text of a batch: its request also stops when the batch ends early. */
  const countInBatch = (text: string, _index: number, batch: AbortSignal): Promise<number> =>
    text === ""
      ? Promise.resolve(0)
      : backend.count(text, { ...http, signal: AbortSignal.any([signal, batch]) });
  return {
    id: backend.id,
    name: backend.name,
    newlineAdditive: false,
    count,
    countBatch: (texts) => collect(pooledMap(concurrency, texts, countInBatch)),
    encode: async (text) => {
      if (!backend.encode)
        throw new ConfigError(backend.noEncodeMessage ?? `${backend.name} cannot return token ids`);
      return text === "" ? [] : backend.encode(text, http);
    },
    close: async () => {
      closing.abort(new Error(`${backend.name} was closed`));
    },
  };
}
