import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  type RequestFailure,
  type RetryPolicy,
  retryDelay,
} from "../../src/net/retry.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const noJitter = () => 0;
const fullJitter = () => 0.999999;
const status = (code: number, retryAfter?: string | null): RequestFailure => ({
  kind: "status",
  status: code,
  retryAfter,
});
const network: RequestFailure = { kind: "network", error: new TypeError("fetch failed") };
const at = (seconds: number) => new Date(NOW + seconds * 1000).toUTCString();

describe("retryDelay", () => {
  it.each<[string, RequestFailure, number, number | undefined]>([
    ["408", status(408), 1, 500],
    ["409", status(409), 1, 500],
    ["429, first attempt", status(429), 1, 500],
    ["500", status(500), 1, 500],
    ["503, second attempt", status(503), 2, 1000],
    ["599", status(599), 1, 500],
    ["500, fourth attempt", status(500), 4, 4000],
    ["network error", network, 3, 2000],
    ["a per-request timeout", { kind: "network", error: new Error("timed out after 30 s") }, 1, 500],
    ["past the last retry", status(500), 5, undefined],
    ["400", status(400), 1, undefined],
    ["401", status(401), 1, undefined],
    ["403", status(403), 1, undefined],
    ["404", status(404), 1, undefined],
    ["410", status(410), 1, undefined],
    ["422", status(422), 1, undefined],
    ["a 3xx that was not followed", status(304), 1, undefined],
    ["600, not an HTTP status", status(600), 1, undefined],
    ["429 with Retry-After: 2", status(429, "2"), 1, 2000],
    ["503 with Retry-After: 0", status(503, "0"), 1, 0],
    ["503 with Retry-After: 1.5", status(503, "1.5"), 1, 1500],
    ["429 with Retry-After as an HTTP date", status(429, "Wed, 01 Jan 2025 00:00:03 GMT"), 1, 3000],
    ["503 with Retry-After as a past date", status(503, at(-60)), 1, 0],
    ["429 with Retry-After at the cap", status(429, "60"), 1, 60_000],
    ["429 with Retry-After longer than the cap", status(429, "3600"), 1, undefined],
    ["503 with a date further than the cap", status(503, at(61)), 1, undefined],
    ["429 with an unreadable Retry-After", status(429, "soon"), 2, 1000],
    ["429 with a null Retry-After", status(429, null), 1, 500],
    ["Retry-After on a 400 is ignored", status(400, "1"), 1, undefined],
    ["Retry-After past the last retry", status(503, "1"), 5, undefined],
  ])("%s → %s", (_name, failure, attempt, expected) => {
    expect(retryDelay(failure, attempt, DEFAULT_RETRY_POLICY, noJitter, NOW)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ["a DOMException AbortError", new DOMException("This operation was aborted", "AbortError")],
    ["an Error named AbortError", Object.assign(new Error("aborted"), { name: "AbortError" })],
  ])("never retries an abort (%s), whatever the attempt", (_name, error) => {
    for (const attempt of [1, 2, 3])
      expect(retryDelay({ kind: "network", error }, attempt, DEFAULT_RETRY_POLICY, noJitter, NOW)).toBe(
        undefined,
      );
  });

  it("doubles the backoff up to the cap", () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: 20 };
    const delays = [1, 2, 3, 4, 5, 6, 15].map((n) => retryDelay(network, n, policy, noJitter, NOW));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it("follows the policy it is given", () => {
    const policy: RetryPolicy = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 150, maxRetryAfterMs: 1000 };
    expect([1, 2, 3].map((n) => retryDelay(status(503), n, policy, noJitter, NOW))).toEqual([
      100,
      150,
      undefined,
    ]);
    expect(retryDelay(status(429, "1"), 1, policy, noJitter, NOW)).toBe(1000);
    expect(retryDelay(status(429, "2"), 1, policy, noJitter, NOW)).toBeUndefined();
  });

  it.each([1, 2, 3, 4])("jitters the backoff of attempt %i down by at most a quarter", (attempt) => {
    const full = 500 * 2 ** (attempt - 1);
    for (const r of [0, 0.1, 0.5, 0.9, 0.999999]) {
      const delay = retryDelay(network, attempt, DEFAULT_RETRY_POLICY, () => r, NOW) as number;
      expect(delay).toBeGreaterThanOrEqual(full * 0.75);
      expect(delay).toBeLessThanOrEqual(full);
    }
    expect(retryDelay(network, attempt, DEFAULT_RETRY_POLICY, fullJitter, NOW)).toBe(full * 0.75);
  });

  it("does not jitter a Retry-After", () => {
    expect(retryDelay(status(429, "2"), 1, DEFAULT_RETRY_POLICY, fullJitter, NOW)).toBe(2000);
  });

  it("never retries when maxRetries is 0", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 0 };
    expect(retryDelay(status(503), 1, policy, noJitter, NOW)).toBeUndefined();
    expect(retryDelay(network, 1, policy, noJitter, NOW)).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it.each<[string | null | undefined, number | undefined]>([
    [undefined, undefined],
    [null, undefined],
    ["", undefined],
    ["  ", undefined],
    ["5", 5000],
    [" 7 ", 7000],
    ["1.5", 1500],
    ["0", 0],
    ["Wed, 01 Jan 2025 00:00:10 GMT", 10_000],
    ["Tue, 31 Dec 2024 23:59:00 GMT", 0],
    ["-1", undefined],
    ["soon", undefined],
    ["Mon, 99 Foo 2025", undefined],
  ])("%j → %s ms", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [599, true],
    [400, false],
    [404, false],
    [200, false],
    [600, false],
  ])("%i → %s", (code, retryable) => {
    expect(isRetryableStatus(code)).toBe(retryable);
  });
});
