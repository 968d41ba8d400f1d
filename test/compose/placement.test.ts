import { describe, expect, it } from "vitest";
import { gaussianPositions, parsePlacement, placeDocuments } from "../../src/compose/placement.js";
import { ConfigError } from "../../src/errors.js";
import { Rng } from "../../src/rng.js";

describe("parsePlacement", () => {
  it.each([
    ["shuffle", { kind: "shuffle" }],
    ["relevant-only", { kind: "relevant-only" }],
    ["gaussian", { kind: "gaussian", sigma: 0.3, clamp: 0.95 }],
    ["gaussian:0.2", { kind: "gaussian", sigma: 0.2, clamp: 0.95 }],
    ["gaussian:0.35,1", { kind: "gaussian", sigma: 0.35, clamp: 1 }],
    ["depth:0", { kind: "depth", percent: 0 }],
    ["depth:50", { kind: "depth", percent: 50 }],
  ])("parses %s", (spec, expected) => {
    expect(parsePlacement(spec)).toEqual(expected);
  });
  it.each(["", "middle", "depth", "depth:101", "depth:-1", "gaussian:0", "gaussian:x", "shuffle:1"])(
    "rejects %j with the accepted forms",
    (spec) => {
      expect(() => parsePlacement(spec)).toThrow(ConfigError);
      expect(() => parsePlacement(spec)).toThrow(/shuffle, gaussian/);
    },
  );
});

const core = [100, 101];
const gold = new Set([100, 101]);
const fillers = Array.from({ length: 48 }, (_, i) => i);

function goldSlots(order: number[]): number[] {
  return order.flatMap((d, i) => (gold.has(d) ? [i] : []));
}

describe("placeDocuments", () => {
  it("keeps every document exactly once", () => {
    for (const spec of ["shuffle", "gaussian", "depth:30"]) {
      const order = placeDocuments(parsePlacement(spec), core, gold, fillers, Rng.derive(spec));
      expect([...order].sort((a, b) => a - b)).toEqual([...fillers, ...core].sort((a, b) => a - b));
    }
  });

  it("shuffle: gold slots differ between samples and are uniform over the context", () => {
    const hist = new Array<number>(5).fill(0);
    const seen = new Set<string>();
    for (let s = 0; s < 4000; s++) {
      const slots = goldSlots(placeDocuments({ kind: "shuffle" }, core, gold, fillers, Rng.derive("u", s)));
      seen.add(slots.join(","));
      for (const p of slots) hist[Math.floor((p / 50) * 5)]! += 1;
    }
    expect(seen.size).toBeGreaterThan(500);
    // 8000 gold placements over 5 bins: each ~1600; a fixed permutation (the original's defect) would put all in one or two bins.
    for (const h of hist) expect(Math.abs(h - 1600)).toBeLessThan(200);
  });

  it("gaussian: own documents concentrate around the middle with the configured spread", () => {
    const pos: number[] = [];
    for (let s = 0; s < 3000; s++) {
      const order = placeDocuments(
        { kind: "gaussian", sigma: 0.3, clamp: 0.95 },
        core,
        gold,
        fillers,
        Rng.derive("g", s),
      );
      pos.push(...goldSlots(order).map((p) => p / 49));
    }
    const mean = pos.reduce((a, b) => a + b, 0) / pos.length;
    const sd = Math.sqrt(pos.reduce((a, b) => a + (b - mean) ** 2, 0) / pos.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    // sigma / (2·clamp) ≈ 0.158 of the context
    expect(sd).toBeGreaterThan(0.13);
    expect(sd).toBeLessThan(0.18);
    const middle = pos.filter((p) => p > 0.25 && p < 0.75).length / pos.length;
    expect(middle).toBeGreaterThan(0.85);
  });

  it.each([0, 25, 50, 100])("depth:%d puts the gold documents together at that depth", (percent) => {
    for (let s = 0; s < 50; s++) {
      const slots = goldSlots(
        placeDocuments({ kind: "depth", percent }, core, gold, fillers, Rng.derive("d", s)),
      );
      expect(slots[1]! - slots[0]!).toBe(1);
      expect(slots[0]).toBe(Math.round((percent / 100) * 48));
    }
  });

  it("is deterministic for a given RNG seed", () => {
    const a = placeDocuments(
      { kind: "gaussian", sigma: 0.3, clamp: 0.95 },
      core,
      gold,
      fillers,
      Rng.derive(7),
    );
    const b = placeDocuments(
      { kind: "gaussian", sigma: 0.3, clamp: 0.95 },
      core,
      gold,
      fillers,
      Rng.derive(7),
    );
    expect(a).toEqual(b);
  });
});

describe("gaussianPositions", () => {
  it("returns distinct sorted slots, topping up when the distribution is too narrow", () => {
    const p = gaussianPositions(10, 9, 0.01, 0.95, Rng.derive(1));
    expect(p).toHaveLength(9);
    expect(new Set(p).size).toBe(9);
    expect([...p].sort((a, b) => a - b)).toEqual(p);
  });
});
