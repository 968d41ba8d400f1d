import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/llm/limiter.js";
import { mapOrdered } from "../../src/llm/map-ordered.js";
import { ReplicaSet } from "../../src/llm/replicas.js";
import { sleep } from "../../src/llm/sleep.js";

describe("sleep", () => {
  it("rejects with the signal's reason as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(sleep(10_000, controller.signal)).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("rejects at once on an aborted signal", async () => {
    await expect(sleep(10_000, AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
  });
});

describe("createLimiter", () => {
  it("keeps at most `limit` calls in flight and frees a waiting slot on abort", async () => {
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

    const controller = new AbortController();
    const blockers = [limiter.run(() => sleep(50)), limiter.run(() => sleep(50))];
    const waiting = limiter.run(task, controller.signal);
    expect(limiter.pending).toBe(1);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    expect(limiter.pending).toBe(0);
    await Promise.all(blockers);
    expect(limiter.active).toBe(0);
  });
});

describe("mapOrdered", () => {
  it("returns results in input order and starts nothing after an abort", async () => {
    const delayed = async (ms: number, i: number) => {
      await sleep(ms);
      return `${i}:${ms}`;
    };
    expect(await mapOrdered([30, 5, 20, 1], 3, delayed)).toEqual(["0:30", "1:5", "2:20", "3:1"]);
    const controller = new AbortController();
    let started = 0;
    const run = mapOrdered(
      Array.from({ length: 100 }, (_, i) => i),
      2,
      async (_, __, signal) => {
        started++;
        if (started === 3) controller.abort(new Error("halt"));
        await sleep(1, signal);
      },
      controller.signal,
    );
    await expect(run).rejects.toThrow("halt");
    expect(started).toBeLessThanOrEqual(4);
  });
});

describe("ReplicaSet", () => {
  it("goes round-robin, skips a failed replica until its doubling backoff passes, and resets on success", () => {
    let now = 0;
    const set = new ReplicaSet(["a", "b", "c"], () => now, { baseMs: 100, maxMs: 300 });
    expect([set.pick(), set.pick(), set.pick(), set.pick()]).toEqual([0, 1, 2, 0]);
    set.fail(1);
    expect([set.pick(), set.pick(), set.pick()]).toEqual([2, 0, 2]);
    expect(set.hasHealthyOther(1)).toBe(true);
    now = 100;
    expect([set.pick(), set.pick()]).toEqual([0, 1]);
    set.fail(1); // second consecutive failure: 200 ms
    now = 250;
    expect([set.pick(), set.pick()]).toEqual([2, 0]);
    now = 300;
    expect(set.pick()).toBe(1);
    set.succeed(1);
    expect([set.pick(), set.pick(), set.pick()]).toEqual([2, 0, 1]);
  });

  it("when every replica is backed off, picks the one back soonest", () => {
    const now = 0;
    const set = new ReplicaSet(["a", "b"], () => now, { baseMs: 100, maxMs: 1000 });
    set.fail(0);
    set.fail(0); // back at 200
    set.fail(1); // back at 100
    expect(set.hasHealthyOther(0)).toBe(false);
    expect(set.pick()).toBe(1);
  });
});
