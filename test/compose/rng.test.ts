import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";

describe("Rng", () => {
  it("derives identical streams from identical parts and different ones otherwise", () => {
    const a = Rng.derive(42, "hotpotqa", 4096, 7);
    const b = Rng.derive(42, "hotpotqa", 4096, 7);
    const c = Rng.derive(42, "hotpotqa", 4096, 8);
    const xs = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(xs);
  });

  it("int(n) is unbiased enough over small ranges", () => {
    const r = Rng.derive("int");
    const hist = new Array<number>(6).fill(0);
    for (let i = 0; i < 60000; i++) hist[r.int(6)]! += 1;
    for (const h of hist) expect(Math.abs(h - 10000)).toBeLessThan(400);
  });

  it("float is in [0, 1) and gauss has mean 0, sd 1", () => {
    const r = Rng.derive("g");
    let s = 0;
    let s2 = 0;
    const n = 40000;
    for (let i = 0; i < n; i++) {
      const f = r.float();
      expect(f >= 0 && f < 1).toBe(true);
      const g = r.gauss();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.03);
  });

  it("sample draws distinct items and rejects k > n", () => {
    const r = Rng.derive("s");
    const items = Array.from({ length: 100 }, (_, i) => i);
    for (const k of [0, 1, 10, 60, 100]) {
      const s = r.sample(items, k);
      expect(new Set(s).size).toBe(k);
    }
    expect(() => r.sample(items, 101)).toThrow(RangeError);
  });
});
