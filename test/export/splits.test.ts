import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planSplits, type SplitOptions } from "../../src/export/splits.js";

const ids = (s: string) => s.split("");

describe("planSplits", () => {
  it.each<
    [
      string,
      string,
      Partial<SplitOptions>,
      { train: number[]; test: number[]; valid: number[]; withheld: number[] },
    ]
  >([
    [
      "the original's [2500, 5000) pattern: test is the leftover from the start, valid the rest",
      "abcdefgh",
      { start: 4, end: 6, validSize: 100 },
      { train: [4, 5], test: [0, 1], valid: [2, 3, 6, 7], withheld: [] },
    ],
    [
      "all rows in train: empty test and valid",
      "abcd",
      { start: 0, end: 4 },
      { train: [0, 1, 2, 3], test: [], valid: [], withheld: [] },
    ],
    [
      "--test-size caps test, --valid-size caps valid",
      "abcdefgh",
      { start: 0, end: 2, testSize: 1, validSize: 2 },
      { train: [0, 1], test: [2], valid: expect.any(Array), withheld: [] },
    ],
    [
      "rows repeating a training id are withheld",
      "abcabc",
      { start: 0, end: 2 },
      { train: [0, 1], test: [2, 5], valid: [], withheld: [3, 4] },
    ],
    [
      "a group that does not fit the cap is skipped whole",
      "aabbccd",
      { start: 0, end: 2, testSize: 1, validSize: 0 },
      { train: [0, 1], test: [6], valid: [], withheld: [] },
    ],
    [
      "an empty slice",
      "abc",
      { start: 1, end: 1, validSize: 5 },
      { train: [], test: [], valid: [0, 1, 2], withheld: [] },
    ],
  ])("%s", (_name, s, options, expected) => {
    const plan = planSplits(ids(s), { start: 0, end: s.length, validSize: 100, seed: 42, ...options });
    expect(plan).toEqual(expected);
    expect(plan.valid.length).toBeLessThanOrEqual(options.validSize ?? 100);
  });

  it("draws valid with the seed: the same seed gives the same rows, some other seed other rows", () => {
    const all = ids("abcdefghijklmnopqrstuvwxyz");
    const draw = (seed: number) =>
      planSplits(all, { start: 0, end: 1, testSize: 0, validSize: 3, seed }).valid;
    expect(draw(5)).toEqual(draw(5));
    expect(new Set([1, 2, 3, 4, 5].map((s) => draw(s).join())).size).toBeGreaterThan(1);
  });

  it("rejects a slice outside the rows", () => {
    expect(() => planSplits(ids("abc"), { start: 2, end: 4, validSize: 1, seed: 1 })).toThrow(RangeError);
    expect(() => planSplits(ids("abc"), { start: 2, end: 1, validSize: 1, seed: 1 })).toThrow(RangeError);
  });

  it("always gives pairwise id-disjoint splits, train = the slice, caps respected, every row placed once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<string>("a", "b", "c", "d", "e", "f", "g"), { maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        fc.option(fc.nat({ max: 20 }), { nil: undefined }),
        fc.nat({ max: 20 }),
        fc.integer(),
        (rows, x, y, testSize, validSize, seed) => {
          const [start, end] = [x % (rows.length + 1), y % (rows.length + 1)].sort((p, q) => p - q) as [
            number,
            number,
          ];
          const plan = planSplits(rows, {
            start,
            end,
            validSize,
            seed,
            ...(testSize === undefined ? {} : { testSize }),
          });
          expect(plan.train).toEqual(Array.from({ length: end - start }, (_, i) => start + i));
          const idSets = [plan.train, plan.test, plan.valid].map((r) => new Set(r.map((i) => rows[i])));
          for (let p = 0; p < 3; p++)
            for (let q = p + 1; q < 3; q++)
              for (const id of idSets[p] as Set<string>)
                expect((idSets[q] as Set<string>).has(id)).toBe(false);
          expect(plan.test.length).toBeLessThanOrEqual(testSize ?? plan.train.length);
          expect(plan.valid.length).toBeLessThanOrEqual(validSize);
          const placed = [...plan.train, ...plan.test, ...plan.valid, ...plan.withheld].sort((p, q) => p - q);
          expect(new Set(placed).size).toBe(placed.length);
          for (const i of plan.withheld) expect(idSets[0]?.has(rows[i] as string)).toBe(true);
          for (const s of [plan.test, plan.valid]) expect(s).toEqual([...s].sort((p, q) => p - q));
        },
      ),
    );
  });
});
