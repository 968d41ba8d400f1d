import { describe, expect, it } from "vitest";
import { expandPattern, initialCursor, mergedName, nextWindow, takenKeys } from "../../src/grow/index.js";

const qs = ["a", "b", "c", "d", "e", "f"].map((id) => ({ id }));

describe("nextWindow", () => {
  it.each([
    // cursor, need, oversample, total → window
    [4000, 1500, 1.5, 100_000, { start: 4000, end: 6250 }],
    [10, 7, 1.5, 100, { start: 10, end: 21 }], // ceil(10.5)
    [10, 10, 1, 100, { start: 10, end: 20 }],
    [95, 10, 1.5, 100, { start: 95, end: 100 }], // cut at the end of the list
    [100, 10, 1.5, 100, undefined], // nothing left
    [10, 0, 1.5, 100, undefined], // nothing needed
  ])("cursor %i, need %i × %d of %i → %o", (cursor, need, over, total, expected) => {
    expect(nextWindow(cursor, need, over, total)).toEqual(expected);
  });
});

describe("initialCursor", () => {
  it.each([
    ["after the last used id", new Set(["b", "d"]), "id" as const, undefined, { start: 4, unknown: 0 }],
    [
      "ids not in the data set are counted",
      new Set(["a", "zz"]),
      "id" as const,
      undefined,
      { start: 1, unknown: 1 },
    ],
    ["nothing used", new Set<string>(), "id" as const, undefined, { start: 0, unknown: 0 }],
    ["by source_index", new Set(["3", "17"]), "source_index" as const, undefined, { start: 18, unknown: 0 }],
    ["start_position wins", new Set(["e"]), "id" as const, 2, { start: 2, unknown: 0 }],
  ])("%s", (_, used, field, start, expected) => {
    expect(initialCursor(qs, used, field, start)).toEqual(expected);
  });
});

describe("takenKeys", () => {
  it("holds the existing keys and every question of the earlier windows", () => {
    expect([...takenKeys(new Set(["x"]), qs, "id", 1, 4)].sort()).toEqual(["b", "c", "d", "x"]);
    expect([...takenKeys(new Set(["9"]), qs, "source_index", 2, 4)].sort()).toEqual(["2", "3", "9"]);
  });
});

describe("mergedName", () => {
  const o = { target: 2500, length: 4096, subset: "train", modelTag: "LoongRL-14b", mode: "filter" as const };
  it.each([
    [
      "train-num_sample_1000-max_seq_4096-LoongRL-14b-swift-filtered.jsonl",
      "train-num_sample_2500-max_seq_4096-LoongRL-14b-swift-filtered.jsonl",
    ],
    ["mine.jsonl", "mine-grown_2500.jsonl"],
    [undefined, "train-num_sample_2500-max_seq_4096-LoongRL-14b-swift-filtered.jsonl"],
  ])("%s → %s", (existing, expected) => {
    expect(mergedName(existing, o)).toBe(expected);
  });
  it("names a cleaned set without an existing one", () => {
    expect(mergedName(undefined, { ...o, mode: "clean" })).toBe(
      "train-num_sample_2500-max_seq_4096-LoongRL-14b-cleaned.jsonl",
    );
  });
});

describe("expandPattern", () => {
  it("fills both placeholders everywhere", () => {
    expect(expandPattern("{dataset}/x-{dataset}-max_seq_{length}-*.jsonl", "musique", 8192)).toBe(
      "musique/x-musique-max_seq_8192-*.jsonl",
    );
  });
});
