import { RemoteError } from "../errors.js";
import { redactText, redactUrl } from "../net/redact.js";
import type { RequestFailure } from "../net/retry.js";

/** Why a download failed; the retry policy and the CLI branch on it. */
export type DownloadFailure =
  /** DNS failure, connection refused, no route: nothing reached the server. */
  | "unreachable"
  /** The connection broke mid-transfer, or the body ended short of its announced length. */
  | "dropped"
  /** The server answered with an HTTP error status. */
  | "http"
  /** A web page came back where a file was expected (sign-in, quota or confirmation pages). */
  | "html"
  /** More bytes than announced, or an archive that cannot be read or lacks the expected files. */
  | "content"
  /** Any other failure of the request (TLS, protocol). */
  | "other";

/**
 * A failed data set download; `reason` says which kind. Its message and `url` have the URL's credentials and
 * secret query values redacted (`https://user:***@host/…`), whoever built them.
 */
export class DownloadError extends RemoteError {
  override name = "DownloadError";
  readonly reason: DownloadFailure;
  /** The server's `Retry-After` header as sent (seconds or an HTTP date), when it sent one. */
  readonly retryAfter: string | undefined;

  constructor(
    message: string,
    details: { url: string; reason: DownloadFailure; status?: number; retryAfter?: string },
    options?: { cause?: unknown },
  ) {
    super(redactText(message), redactUrl(details.url), details.status, options);
    this.reason = details.reason;
    this.retryAfter = details.retryAfter;
  }
}

/**
 * What the retry policy (`../net/retry.ts`) sees of a failed download, or `undefined` for a failure that is
 * never retried. A dropped connection is a network failure (the next attempt resumes from the partial
 * file); an HTTP error is its status and `Retry-After`. An unreachable host (the offline advice is shown
 * at once), a web page, bad content, any other failure and errors that are not a `DownloadError` (a full
 * disk) are not retried.
 */
export function requestFailureOf(error: unknown): RequestFailure | undefined {
  if (!(error instanceof DownloadError)) return undefined;
  if (error.reason === "dropped") return { kind: "network", error };
  if (error.reason === "http" && error.status !== undefined)
    return { kind: "status", status: error.status, retryAfter: error.retryAfter };
  return undefined;
}

const UNREACHABLE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EAI_FAIL",
  "ECONNREFUSED",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const DROPPED_CODES = new Set([
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** The kind of a network failure thrown by `fetch`, from the error codes along its `cause` chain. */
export function classifyNetworkError(error: unknown): "unreachable" | "dropped" | "other" {
  const codes = errorCodes(error);
  if (codes.some((c) => UNREACHABLE_CODES.has(c))) return "unreachable";
  if (codes.some((c) => DROPPED_CODES.has(c))) return "dropped";
  return "other";
}

/**
 * The innermost message of an error's `cause` chain, without a final period, for use inside a sentence; URLs
 * in it redacted (a `fetch` error may quote the URL it was given).
 */
export function rootMessage(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error && e.cause !== undefined; depth++) e = e.cause;
  return redactText((e instanceof Error ? e.message : String(e)).replace(/\.+$/, ""));
}

function errorCodes(error: unknown): string[] {
  const out: string[] = [];
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 32; seen++) {
    const e = queue.shift();
    if (typeof e !== "object" || e === null) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") out.push(code);
    if ("cause" in e) queue.push((e as { cause?: unknown }).cause);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return out;
}
