/**
 * When to retry a failed HTTP request: one pure function of the failure and the attempt number, used by
 * the chat client, the remote token counters and the data set download. Retries 408, 409, 429, 5xx and
 * network errors (a per-request timeout and a dropped connection included) with capped, jittered
 * exponential backoff, and honours a server's `Retry-After` up to a cap. Never retries an abort or any
 * other status. Every duration is in milliseconds.
 */

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. @default 4 */
  maxRetries: number;
  /** Backoff before the first retry, doubled for each later one. @unit ms @default 500 */
  baseDelayMs: number;
  /** Cap on the computed backoff (before jitter). @unit ms @default 8000 */
  maxDelayMs: number;
  /** Longest `Retry-After` the client agrees to wait; a longer one ends the retries. @unit ms @default 60000 */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
});

/** What went wrong with one attempt. An abort is not a failure of the request: callers rethrow its reason. */
export type RequestFailure =
  /** The server answered with a non-2xx status. `retryAfter` is the raw `Retry-After` header, if any. */
  | { kind: "status"; status: number; retryAfter?: string | null }
  /** No usable answer: connection refused or reset, DNS failure, a cut-off body, the per-request timeout. */
  | { kind: "network"; error: unknown };

/** Statuses worth another try: request timeout, conflict, rate limit, and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Milliseconds to wait before the next attempt, or `undefined` to stop.
 * @param attempt 1-based number of the attempt that just failed.
 * @param random source of jitter in [0, 1); injected so tests are deterministic.
 * @param now current time in ms since the epoch, for `Retry-After` given as an HTTP date.
 */
export function retryDelay(
  failure: RequestFailure,
  attempt: number,
  policy: Readonly<RetryPolicy> = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
  now: number = Date.now(),
): number | undefined {
  if (attempt > policy.maxRetries) return undefined;
  if (failure.kind === "network" && isAbortError(failure.error)) return undefined;
  if (failure.kind === "status") {
    if (!isRetryableStatus(failure.status)) return undefined;
    const asked = parseRetryAfter(failure.retryAfter, now);
    if (asked !== undefined) return asked <= policy.maxRetryAfterMs ? asked : undefined;
  }
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Up to 25 % less than the backoff, so that clients that failed together do not retry together.
  return Math.round(backoff * (1 - 0.25 * random()));
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names a weekday and a month; this also keeps Date.parse from reading "-1" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** An `AbortError` that reached the policy as a network failure: the caller gave up, so never retry. */
function isAbortError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}
