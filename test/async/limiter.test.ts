import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/async/limiter.js";
import { sleep } from "../../src/net/sleep.js";

describe("createLimiter", () => {
  it("keeps at most `limit` calls in flight, shared by independent callers", async () => {
    const limiter = createLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(5);
      running--;
    };
    await Promise.all(Array.from({ length: 10 }, () => limiter.run(task)));
    expect(peak).toBe(2);
    expect([limiter.active, limiter.pending]).toEqual([0, 0]);
  });

  it("starts waiting calls in arrival order", async () => {
    const limiter = createLimiter(1);
    const order: number[] = [];
    await Promise.all([3, 1, 2].map((n) => limiter.run(async () => order.push(n))));
    expect(order).toEqual([3, 1, 2]);
  });

  it("frees a waiting slot on abort, and rejects at once on an aborted signal", async () => {
    const limiter = createLimiter(2);
    const controller = new AbortController();
    const blockers = [limiter.run(() => sleep(50)), limiter.run(() => sleep(50))];
    let ran = false;
    const waiting = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    expect(limiter.pending).toBe(1);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    expect(limiter.pending).toBe(0);
    await expect(limiter.run(async () => 1, AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    await Promise.all(blockers);
    expect(limiter.active).toBe(0);
    expect(ran).toBe(false);
  });

  it("frees the slot when the call fails", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it.each([0, -1, 1.5])("rejects a limit of %s", (limit) => {
    expect(() => createLimiter(limit)).toThrow(RangeError);
  });
});
