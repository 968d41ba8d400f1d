import { describe, expect, it } from "vitest";
import { nearestRank, summarize, unitBin } from "../../src/report/distribution.js";

describe("nearestRank", () => {
  it.each<[number[], number, number]>([
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.05, 1],
    [[1, 2, 3, 4], 0.95, 4],
    [[7], 0.5, 7],
    [Array.from({ length: 100 }, (_, i) => i + 1), 0.95, 95],
    [Array.from({ length: 101 }, (_, i) => i + 1), 0.5, 51],
  ])("%j at p=%d → %d", (values, p, want) => {
    expect(nearestRank(values, p)).toBe(want);
  });

  it("refuses an empty list", () => {
    expect(() => nearestRank([], 0.5)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("sorts numerically (not as strings) and leaves the input alone", () => {
    const values = [10, 9, 100, 1];
    expect(summarize(values)).toEqual({ count: 4, min: 1, p5: 1, p50: 9, p95: 100, max: 100, mean: 30 });
    expect(values).toEqual([10, 9, 100, 1]);
  });

  it("is null for no values", () => {
    expect(summarize([])).toBeNull();
  });
});

describe("unitBin", () => {
  it.each<[number, number]>([
    [0, 0],
    [0.05, 0],
    [0.1, 1],
    [0.999, 9],
    [1, 9],
    [-0.2, 0],
    [1.5, 9],
  ])("%d → bin %d of 10", (x, bin) => {
    expect(unitBin(x, 10)).toBe(bin);
  });
});
