import { describe, expect, it } from "vitest";
import { formatBytes, parseContentRange } from "../../src/download/resumable-fetch.js";

describe("parseContentRange", () => {
  it.each([
    ["bytes 100-199/200", { start: 100, total: 200 }],
    ["bytes 0-9/*", { start: 0 }],
    ["bytes */500", { start: Number.NaN, total: 500 }],
    ["items 1-2/3", undefined],
    [null, undefined],
  ])("%j", (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });
});

describe("formatBytes", () => {
  it.each([
    [999, "999 bytes"],
    [1500, "1.5 kB"],
    [2_300_000_000, "2.3 GB"],
  ])("%i → %s", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
