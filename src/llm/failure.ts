/**
 * How a failed chat call is classified for the retry policy of `../net/retry.ts`: pure functions over the
 * errors the `openai` SDK (and `fetch` under it) throws.
 */
import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import { DEFAULT_RETRY_POLICY, type RequestFailure, type RetryPolicy, retryDelay } from "../net/retry.js";

/** A 2xx answer that is not a chat completion (no `choices` array, wrong field types). */
export class BadResponseError extends Error {
  override name = "BadResponseError";
}

/**
 * The failure behind `error`, or `undefined` when it is not a failure of the request at all (an abort,
 * or a bug) and must be rethrown as is. Network errors cover connection failures, the per-request
 * timeout, bodies cut off mid-way (`TypeError: terminated`), unparseable JSON and malformed completions.
 */
export function failureOf(error: unknown): RequestFailure | undefined {
  if (error instanceof APIUserAbortError) return undefined;
  if (error instanceof APIConnectionError) return { kind: "network", error };
  if (error instanceof APIError && typeof error.status === "number") {
    return { kind: "status", status: error.status, retryAfter: error.headers?.get("retry-after") ?? null };
  }
  if (error instanceof SyntaxError || error instanceof TypeError || error instanceof BadResponseError) {
    return { kind: "network", error };
  }
  return undefined;
}

/** Whether the failure says something about the server (so its replica should be avoided for a while). */
export function isServerFault(failure: RequestFailure): boolean {
  return failure.kind === "network" || failure.status === 429 || failure.status >= 500;
}

/**
 * Delay before the next attempt after `error` on attempt `attempt` (1-based), or `undefined` to stop.
 * Same policy as everywhere else: retry 408/409/429/5xx and network errors, honour `Retry-After`, capped
 * jittered backoff, never other statuses, never aborts.
 */
export function chatRetryDelay(
  error: unknown,
  attempt: number,
  policy: Readonly<RetryPolicy> = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
  now: number = Date.now(),
): number | undefined {
  const failure = failureOf(error);
  return failure === undefined ? undefined : retryDelay(failure, attempt, policy, random, now);
}
