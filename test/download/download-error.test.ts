import { describe, expect, it } from "vitest";
import {
  classifyNetworkError,
  DownloadError,
  type DownloadFailure,
  requestFailureOf,
} from "../../src/download/download-error.js";
import { DEFAULT_RETRY_POLICY, retryDelay } from "../../src/net/retry.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const noJitter = () => 0;

function failure(reason: DownloadFailure, status?: number, retryAfter?: string): DownloadError {
  return new DownloadError("x", { url: "http://h/f", reason, status, retryAfter });
}

/** The delay the download waits before retry `attempt` with `retries` allowed, as `fetchResumable` asks. */
function downloadDelay(error: unknown, attempt: number, retries = 3): number | undefined {
  const f = requestFailureOf(error);
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: retries };
  return f === undefined ? undefined : retryDelay(f, attempt, policy, noJitter, NOW);
}

describe("requestFailureOf", () => {
  it("maps a dropped connection to a network failure and an HTTP error to its status and Retry-After", () => {
    const dropped = failure("dropped");
    expect(requestFailureOf(dropped)).toEqual({ kind: "network", error: dropped });
    expect(requestFailureOf(failure("http", 429, "7"))).toEqual({
      kind: "status",
      status: 429,
      retryAfter: "7",
    });
    expect(requestFailureOf(failure("http", 503))).toEqual({
      kind: "status",
      status: 503,
      retryAfter: undefined,
    });
  });

  it.each([
    ["an unreachable host", failure("unreachable")],
    ["a web page", failure("html", 200)],
    ["bad content", failure("content")],
    ["an unknown failure", failure("other")],
    ["an HTTP failure without a status", failure("http")],
    ["a plain error (e.g. a disk error)", new Error("ENOSPC")],
  ])("gives nothing to retry for %s", (_what, error) => {
    expect(requestFailureOf(error)).toBeUndefined();
  });
});

describe("the download's retries through the one retry policy", () => {
  it.each<[string, DownloadError, number, number | undefined]>([
    ["a dropped connection", failure("dropped"), 1, 500],
    ["a dropped connection, third retry", failure("dropped"), 3, 2000],
    ["503", failure("http", 503), 1, 500],
    ["408, second retry", failure("http", 408), 2, 1000],
    ["409", failure("http", 409), 1, 500],
    ["429 with Retry-After: 7", failure("http", 429, "7"), 1, 7000],
    [
      "503 with Retry-After as an HTTP date",
      failure("http", 503, "Wed, 01 Jan 2025 00:00:30 GMT"),
      1,
      30_000,
    ],
    ["503 with a Retry-After past the 60 s cap", failure("http", 503, "3600"), 1, undefined],
    ["404", failure("http", 404), 1, undefined],
    ["an unreachable host", failure("unreachable"), 1, undefined],
    ["a dropped connection after the last retry", failure("dropped"), 4, undefined],
  ])("%s → %s ms", (_what, error, attempt, expected) => {
    expect(downloadDelay(error, attempt)).toBe(expected);
  });

  it("never retries with retries: 0", () => {
    expect(downloadDelay(failure("dropped"), 1, 0)).toBeUndefined();
  });
});

describe("classifyNetworkError", () => {
  const fetchFailed = (cause: unknown) => new TypeError("fetch failed", { cause });
  const coded = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ["ENOTFOUND", "unreachable"],
    ["EAI_AGAIN", "unreachable"],
    ["ECONNREFUSED", "unreachable"],
    ["ENETUNREACH", "unreachable"],
    ["UND_ERR_CONNECT_TIMEOUT", "unreachable"],
    ["ECONNRESET", "dropped"],
    ["UND_ERR_SOCKET", "dropped"],
    ["CERT_HAS_EXPIRED", "other"],
  ])("classifies %s as %s", (code, kind) => {
    expect(classifyNetworkError(fetchFailed(coded(code)))).toBe(kind);
  });

  it("looks inside AggregateError (several addresses tried)", () => {
    const agg = new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")], "all failed");
    expect(classifyNetworkError(fetchFailed(agg))).toBe("unreachable");
  });
});
