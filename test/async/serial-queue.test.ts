import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../src/async/serial-queue.js";
import { sleep } from "../../src/net/sleep.js";

describe("SerialQueue", () => {
  it("runs tasks one at a time, in the order they were added, off the caller's path", async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    for (const [name, ms] of [
      ["a", 20],
      ["b", 1],
      ["c", 5],
    ] as const) {
      queue.add(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`${name} start`);
        await sleep(ms);
        log.push(`${name} end`);
        running--;
      });
    }
    expect(log).toEqual([]);
    await queue.drain();
    expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("keeps running after a failure, and drain rejects with the first error", async () => {
    const queue = new SerialQueue();
    const ran: number[] = [];
    queue.add(async () => {
      ran.push(1);
      throw new Error("first");
    });
    queue.add(async () => {
      ran.push(2);
      throw new Error("second");
    });
    queue.add(async () => {
      ran.push(3);
    });
    await expect(queue.drain()).rejects.toThrow("first");
    expect(ran).toEqual([1, 2, 3]);
    await expect(queue.drain()).rejects.toThrow("first");
  });

  it("drains at once when empty", async () => {
    await expect(new SerialQueue().drain()).resolves.toBeUndefined();
  });
});
