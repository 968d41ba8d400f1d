import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  type RequestFailure,
  retryDelay,
} from "../../src/tokenizer/retry.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const noJitter = () => 0;
const fullJitter = () => 0.999999;
const status = (code: number, retryAfter?: string): RequestFailure => ({
  kind: "status",
  status: code,
  retryAfter,
});
const network: RequestFailure = { kind: "network", error: new TypeError("fetch failed") };

describe("retryDelay", () => {
  it.each<[string, RequestFailure, number, number | undefined]>([
    ["429, first attempt", status(429), 1, 500],
    ["503, second attempt", status(503), 2, 1000],
    ["500, fourth attempt", status(500), 4, 4000],
    ["408", status(408), 1, 500],
    ["409", status(409), 1, 500],
    ["network error", network, 3, 2000],
    ["past the last retry", status(500), 5, undefined],
    ["400", status(400), 1, undefined],
    ["401", status(401), 1, undefined],
    ["403", status(403), 1, undefined],
    ["404", status(404), 1, undefined],
    ["422", status(422), 1, undefined],
    ["429 with Retry-After: 2", status(429, "2"), 1, 2000],
    ["503 with Retry-After: 0", status(503, "0"), 1, 0],
    ["429 with Retry-After as an HTTP date", status(429, "Wed, 01 Jan 2025 00:00:03 GMT"), 1, 3000],
    ["429 with a Retry-After longer than the cap", status(429, "3600"), 1, undefined],
    ["429 with an unreadable Retry-After", status(429, "soon"), 2, 1000],
    ["Retry-After on a 400 is ignored", status(400, "1"), 1, undefined],
  ])("%s → %s", (_name, failure, attempt, expected) => {
    expect(retryDelay(failure, attempt, DEFAULT_RETRY_POLICY, noJitter, NOW)).toBe(expected);
  });

  it("caps the backoff", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: 20 };
    expect(retryDelay(network, 15, policy, noJitter, NOW)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs);
  });

  it("jitters the backoff down by at most a quarter, but not Retry-After", () => {
    expect(retryDelay(network, 2, DEFAULT_RETRY_POLICY, fullJitter, NOW)).toBe(750);
    expect(retryDelay(status(429, "2"), 1, DEFAULT_RETRY_POLICY, fullJitter, NOW)).toBe(2000);
  });

  it("never retries when maxRetries is 0", () => {
    expect(
      retryDelay(status(503), 1, { ...DEFAULT_RETRY_POLICY, maxRetries: 0 }, noJitter, NOW),
    ).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it.each<[string | null | undefined, number | undefined]>([
    [undefined, undefined],
    [null, undefined],
    ["", undefined],
    ["5", 5000],
    ["1.5", 1500],
    ["Wed, 01 Jan 2025 00:00:10 GMT", 10_000],
    ["Tue, 31 Dec 2024 23:59:00 GMT", 0],
    ["-1", undefined],
  ])("%j → %s", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe("isRetryableStatus", () => {
  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [599, true],
    [400, false],
    [404, false],
    [200, false],
  ])("%i → %s", (code, retryable) => {
    expect(isRetryableStatus(code)).toBe(retryable);
  });
});
