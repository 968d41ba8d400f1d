import { describe, expect, it } from "vitest";
import { ReplicaSet } from "../../src/llm/replicas.js";

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
