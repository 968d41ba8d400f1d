import { describe, expect, it } from "vitest";
import { GroupTable } from "../../src/report/group-stats.js";
import { RolloutAccumulator } from "../../src/report/rollout-stats.js";
import { SftAccumulator } from "../../src/report/sft-stats.js";
import { SkipAccumulator } from "../../src/report/skip-stats.js";

const scores = (...correct: number[]) => correct.map((c) => ({ isCorrect: c, subEm: c, em: c, f1: c / 2 }));

describe("GroupTable", () => {
  it("keeps one group per dataset × kind × length, sorted by dataset, kind (plain first), length (null last)", () => {
    const t = new GroupTable();
    t.of("b", "plain", 8);
    t.of("a", "keychain", 4);
    t.of("a", "plain", null);
    t.of("a", "plain", 8);
    expect(t.of("a", "plain", 8)).toBe(t.of("a", "plain", 8));
    expect(t.finish().map((g) => [g.dataset, g.kind, g.length])).toEqual([
      ["a", "plain", 8],
      ["a", "plain", null],
      ["a", "keychain", 4],
      ["b", "plain", 8],
    ]);
  });

  it("a group nothing was added to has no statistics", () => {
    const t = new GroupTable();
    t.of("a", "plain", 8);
    expect(t.finish()[0]).toEqual({
      dataset: "a",
      kind: "plain",
      length: 8,
      samples: null,
      keychain: null,
      skips: null,
      rollouts: null,
      difficulty: null,
      sft: null,
    });
  });
});

describe("the per-kind accumulators", () => {
  it("rollouts: pass histogram, means, constant and non-constant prompts", () => {
    const a = new RolloutAccumulator();
    a.add(scores(1, 1));
    a.add(scores(0, 1, 0));
    a.add(scores(0, 0));
    expect(a.finish()).toEqual({
      prompts: 3,
      trajectories: 7,
      maxSamples: 3,
      passHistogram: [1, 1, 1, 0],
      meanSubEm: 3 / 7,
      meanEm: 3 / 7,
      meanF1: 1.5 / 7,
      nonConstant: 1,
      allCorrect: 1,
      allWrong: 1,
    });
  });

  it("skips: digits folded to N, most frequent first, ties by reason", () => {
    const a = new SkipAccumulator();
    for (const r of ["b 1", "a", "b 22", "a"]) a.add(r);
    expect(a.finish()).toEqual({
      total: 4,
      reasons: [
        { reason: "a", count: 2 },
        { reason: "b N", count: 2 },
      ],
    });
    expect(new SkipAccumulator().finish()).toBeNull();
  });

  it("SFT rows: prompts by key, kept when one of their rows is correct", () => {
    const a = new SftAccumulator();
    a.add({ isCorrect: 0, f1: 0.2, promptKey: "#1" });
    a.add({ isCorrect: 1, f1: 1, promptKey: "#1" });
    a.add({ isCorrect: 0, f1: undefined, promptKey: "q2" });
    a.add({ isCorrect: undefined, f1: undefined, promptKey: undefined });
    const s = a.finish();
    expect(s).toMatchObject({ rows: 4, prompts: 2, correctRows: 1, keptPrompts: 1 });
    expect(s?.f1Histogram).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
  });
});
