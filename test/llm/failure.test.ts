import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { describe, expect, it } from "vitest";
import { BadResponseError, chatRetryDelay, failureOf, isServerFault } from "../../src/llm/failure.js";
import type { RetryPolicy } from "../../src/net/retry.js";

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 10_000 };
const NOW = Date.parse("2026-01-01T00:00:00Z");
const noJitter = () => 0;
const fullJitter = () => 0.999999;

const status = (code: number, retryAfter?: string) =>
  APIError.generate(
    code,
    { message: `status ${code}` },
    undefined,
    new Headers(retryAfter ? { "retry-after": retryAfter } : {}),
  );

describe("chatRetryDelay", () => {
  it.each([
    ["408", status(408), 100],
    ["409", status(409), 100],
    ["429 without Retry-After", status(429), 100],
    ["500", status(500), 100],
    ["503", status(503), 100],
    ["connection refused", new APIConnectionError({ message: "refused" }), 100],
    ["timeout", new APIConnectionTimeoutError(), 100],
    ["body cut off", new TypeError("terminated"), 100],
    ["malformed JSON", new SyntaxError("Unexpected end of JSON input"), 100],
    ["malformed completion", new BadResponseError("no choices"), 100],
    ["429 Retry-After seconds", status(429, "3"), 3000],
    ["503 Retry-After HTTP date", status(503, new Date(NOW + 2000).toUTCString()), 2000],
  ])("retries %s", (_, error, expected) => {
    expect(chatRetryDelay(error, 1, policy, noJitter, NOW)).toBe(expected);
  });

  it.each([
    ["400", status(400)],
    ["401", status(401)],
    ["403", status(403)],
    ["404", status(404)],
    ["422", status(422)],
    ["user abort", new APIUserAbortError()],
    ["a bug", new RangeError("oops")],
    ["Retry-After past the cap", status(429, "60")],
  ])("never retries %s", (_, error) => {
    expect(chatRetryDelay(error, 1, policy, noJitter, NOW)).toBeUndefined();
  });

  it("doubles the backoff up to the cap and jitters down by at most 25 %", () => {
    const delays = [1, 2, 3].map((attempt) => chatRetryDelay(status(500), attempt, policy, noJitter, NOW));
    expect(delays).toEqual([100, 200, 400]);
    const capped = { ...policy, maxRetries: 10 };
    expect(chatRetryDelay(status(500), 8, capped, noJitter, NOW)).toBe(1000);
    expect(chatRetryDelay(status(500), 8, capped, fullJitter, NOW)).toBe(750);
  });

  it("stops after maxRetries", () => {
    expect(chatRetryDelay(status(500), 3, policy, noJitter, NOW)).toBe(400);
    expect(chatRetryDelay(status(500), 4, policy, noJitter, NOW)).toBeUndefined();
  });
});

describe("isServerFault", () => {
  it("blames the server for network errors, 429 and 5xx, not for other 4xx", () => {
    const fault = (error: unknown) => {
      const failure = failureOf(error);
      return failure ? isServerFault(failure) : undefined;
    };
    expect([status(429), status(500), new TypeError("terminated")].map(fault)).toEqual([true, true, true]);
    expect([status(400), status(401), status(404), status(408)].map(fault)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
