import { DownloadError } from "./downloadError.js";

/** First retry waits this long; each further retry doubles it. */
const BASE_DELAY_MS = 500;
/** No wait is longer than this, whatever `Retry-After` says. */
const MAX_DELAY_MS = 30_000;

/**
 * How long to wait before retry number `attempt` (1-based) after `error`, or `undefined` to stop.
 * Retries broken connections (the next attempt resumes from the partial file) and HTTP 408, 429 and 5xx,
 * honouring `Retry-After`. Never retries aborts, unreachable hosts, other 4xx or content problems.
 */
export function retryDelay(error: unknown, attempt: number, maxRetries: number): number | undefined {
  if (attempt > maxRetries || !(error instanceof DownloadError)) return undefined;
  const backoff = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  if (error.reason === "dropped") return backoff;
  if (error.reason !== "http" || error.status === undefined) return undefined;
  const status = error.status;
  if (status !== 408 && status !== 429 && status < 500) return undefined;
  if (error.retryAfter !== undefined) return Math.min(error.retryAfter * 1000, MAX_DELAY_MS);
  return backoff;
}

/** `Retry-After` in seconds: either a number of seconds or an HTTP date (relative to `now`). */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
