import { describe, expect, it } from "vitest";
import { pooledMap } from "../../src/tokenizer/pool.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("pooledMap", () => {
  it("keeps input order whatever the finishing order", async () => {
    const out = await pooledMap([30, 5, 20, 1, 10], 3, async (ms, i) => {
      await tick(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(["0:30", "1:5", "2:20", "3:1", "4:10"]);
  });

  it("never has more than `limit` calls in flight", async () => {
    let running = 0;
    let peak = 0;
    await pooledMap(
      Array.from({ length: 40 }, (_, i) => i),
      4,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(1);
        running--;
      },
    );
    expect(peak).toBe(4);
  });

  it("rejects with the first error and starts nothing after it", async () => {
    const started: number[] = [];
    await expect(
      pooledMap([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick(1);
        if (n === 1) throw new Error("boom");
        return n;
      }),
    ).rejects.toThrow("boom");
    await tick(10);
    expect(started.length).toBeLessThan(6);
  });

  it("handles an empty input and rejects a bad limit", async () => {
    expect(await pooledMap([], 3, async () => 1)).toEqual([]);
    await expect(pooledMap([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
