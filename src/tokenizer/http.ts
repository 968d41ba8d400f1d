/** A small retrying JSON POST, shared by the remote token counters. */

import { RemoteError } from "../errors.js";
import { redactText, redactUrl } from "../net/redact.js";
import { DEFAULT_RETRY_POLICY, type RequestFailure, type RetryPolicy, retryDelay } from "../net/retry.js";
import { type SleepOptions, sleep } from "../net/sleep.js";

/** How a remote counter talks HTTP, as the user may write it. Every field has a default. */
export interface HttpOptions {
  /** `fetch` implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Limit on one attempt, from sending the request to reading the whole body. @unit ms @default 30000 */
  timeoutMs?: number;
  /** Retry policy; fields left out take their defaults from `DEFAULT_RETRY_POLICY`. */
  retry?: Partial<RetryPolicy>;
  /** Aborts the request in flight and any backoff sleep; the abort reason is rethrown as is. */
  signal?: AbortSignal;
}

/** `HttpOptions` with every default filled in. */
export interface ResolvedHttpOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryPolicy;
  signal: AbortSignal | undefined;
  /** Waits between attempts; injectable so tests need not wait. */
  sleep: (ms: number, options?: SleepOptions) => Promise<void>;
  /** Jitter source in [0, 1). */
  random: () => number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function resolveHttpOptions(options: HttpOptions = {}): ResolvedHttpOptions {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  return {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    signal: options.signal,
    sleep,
    random: Math.random,
  };
}

export interface PostJsonRequest {
  /** What the request is for, as the start of error messages, e.g. `vLLM tokenize`. */
  what: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * POSTs `body` as JSON and returns the parsed JSON answer of the first 2xx response.
 * Failed attempts are retried as `retryDelay` decides. Throws `RemoteError` (with the URL, its credentials
 * and secret query values redacted, and the last status) when it gives up or when a 2xx body is not JSON;
 * rethrows the abort reason when `signal` aborts.
 */
export async function postJson(request: PostJsonRequest, options: ResolvedHttpOptions): Promise<unknown> {
  const { url } = request;
  const outer = options.signal;
  for (let attempt = 1; ; attempt++) {
    outer?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    let failure: RequestFailure;
    let status: number | undefined;
    let text = "";
    try {
      const response = await options.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...request.headers },
        body: JSON.stringify(request.body),
        signal,
      });
      status = response.status;
      text = await response.text();
      if (response.ok) return parseJsonBody(request, status, text);
      failure = { kind: "status", status, retryAfter: response.headers.get("retry-after") };
    } catch (error) {
      if (error instanceof RemoteError) throw error;
      if (outer?.aborted) throw outer.reason;
      const timedOut = timeout.aborted;
      failure = {
        kind: "network",
        error: timedOut ? new Error(`timed out after ${formatSeconds(options.timeoutMs)}`) : error,
      };
    }
    const delay = retryDelay(failure, attempt, options.retry, options.random);
    if (delay === undefined) throw failureError(request, failure, text, attempt);
    await options.sleep(delay, { signal: outer });
  }
}

function parseJsonBody(request: PostJsonRequest, status: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const url = redactUrl(request.url);
    throw new RemoteError(
      `${request.what} failed: POST ${url} answered HTTP ${status} with a body that is not JSON: ${quoteSnippet(text)}`,
      url,
      status,
      { cause: error },
    );
  }
}

function failureError(
  request: PostJsonRequest,
  failure: RequestFailure,
  text: string,
  attempts: number,
): RemoteError {
  const tries = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
  const url = redactUrl(request.url);
  if (failure.kind === "network") {
    const reason = redactText(describeNetworkError(failure.error));
    return new RemoteError(`${request.what} failed: POST ${url} ${reason}${tries}`, url, undefined, {
      cause: failure.error,
    });
  }
  const { status } = failure;
  const detail = redactText(serverMessage(text));
  let hint = "";
  if (status === 401 || status === 403) hint = "; check the API key";
  else if (status === 404) hint = "; check the URL and the model name";
  else if (status === 429) hint = "; the server is rate limiting, lower the concurrency or try later";
  return new RemoteError(
    `${request.what} failed: POST ${url} answered HTTP ${status}${detail ? `: ${detail}` : ""}${hint}${tries}`,
    url,
    status,
  );
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return `could not be reached: ${String(error)}`;
  if (error.message.startsWith("timed out")) return error.message;
  // undici reports "fetch failed" and puts the system error (ECONNREFUSED, …) in `cause`.
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return `could not be reached: ${cause ? `${error.message} (${cause})` : error.message}`;
}

/** The error message inside a JSON error body (Gemini, OpenAI-style, FastAPI), else a snippet of the body. */
function serverMessage(text: string): string {
  if (text.trim() === "") return "";
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) {
      const error = body.error;
      if (isRecord(error) && typeof error.message === "string") return quoteSnippet(error.message);
      if (typeof error === "string") return quoteSnippet(error);
      if (typeof body.message === "string") return quoteSnippet(body.message);
      if (typeof body.detail === "string") return quoteSnippet(body.detail);
    }
  } catch {
    // Not JSON: fall through to the raw snippet.
  }
  return quoteSnippet(text);
}

function quoteSnippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
