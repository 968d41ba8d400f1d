import { describe, expect, it } from "vitest";
import { collect, mapOrdered, pooledMap } from "../../src/async/pool.js";
import { sleep } from "../../src/net/sleep.js";

/** A call whose end the test decides: `resolve`/`reject` it by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Counts calls running at once; `peak` is the most seen. */
function gauge() {
  const g = { running: 0, peak: 0, started: 0 };
  return {
    g,
    async run<T>(work: () => Promise<T>): Promise<T> {
      g.running++;
      g.started++;
      g.peak = Math.max(g.peak, g.running);
      try {
        return await work();
      } finally {
        g.running--;
      }
    },
  };
}

async function* generate(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

describe("pooledMap", () => {
  it.each([
    ["finishing in reverse", [50, 40, 30, 20, 10]],
    ["finishing in a mixed order", [30, 5, 20, 1, 10, 0, 25]],
    ["finishing in order", [0, 1, 2, 3]],
  ])("yields in input order whatever the finishing order (%s)", async (_what, delays) => {
    const out = await collect(
      pooledMap(3, delays, async (ms, i) => {
        await sleep(ms);
        return `${i}:${ms}`;
      }),
    );
    expect(out).toEqual(delays.map((ms, i) => `${i}:${ms}`));
  });

  it.each([1, 2, 4, 7])("never has more than %i calls in flight, and reaches that many", async (limit) => {
    const { g, run } = gauge();
    const items = Array.from({ length: 30 }, (_, i) => i);
    const out = await collect(pooledMap(limit, items, (n) => run(() => sleep(n % 3).then(() => n * 2))));
    expect(out).toEqual(items.map((n) => n * 2));
    expect(g.peak).toBe(limit);
    expect(g.running).toBe(0);
  });

  it("starts the next call as soon as one finishes, even when the head of the line is slow", async () => {
    const head = deferred<string>();
    const started: number[] = [];
    const pool = collect(
      pooledMap(2, [0, 1, 2, 3, 4], async (n) => {
        started.push(n);
        if (n === 0) return head.promise;
        await sleep(1);
        return String(n);
      }),
    );
    await sleep(50);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    head.resolve("0");
    expect(await pool).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("maps an async iterable", async () => {
    const { g, run } = gauge();
    const out = await collect(pooledMap(3, generate(12), (n) => run(() => sleep(5).then(() => n))));
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(g.peak).toBe(3);
  });

  it("handles an empty input", async () => {
    let calls = 0;
    expect(await collect(pooledMap(3, [], async () => ++calls))).toEqual([]);
    expect(await collect(pooledMap(3, generate(0), async () => ++calls))).toEqual([]);
    expect(calls).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects a limit of %s", async (limit) => {
    await expect(collect(pooledMap(limit, [1], async () => 1))).rejects.toThrow(RangeError);
  });

  it("passes each call its index and a signal", async () => {
    const seen: [string, number, boolean][] = [];
    await collect(
      pooledMap(2, ["a", "b", "c"], async (item, index, signal) => {
        seen.push([item, index, signal.aborted]);
      }),
    );
    expect(seen).toEqual([
      ["a", 0, false],
      ["b", 1, false],
      ["c", 2, false],
    ]);
  });

  describe("the first rejection", () => {
    it("ends the iteration with that error and starts nothing after it", async () => {
      const { g, run } = gauge();
      const pool = collect(
        pooledMap(2, [0, 1, 2, 3, 4, 5, 6, 7], (n) =>
          run(async () => {
            await sleep(5);
            if (n === 1) throw new Error("boom");
            return n;
          }),
        ),
      );
      await expect(pool).rejects.toThrow("boom");
      await sleep(30);
      expect(g.started).toBeLessThan(8);
    });

    it("aborts the calls in flight with that error and settles only once they have stopped", async () => {
      const boom = new Error("boom");
      const stopped: unknown[] = [];
      const pool = collect(
        pooledMap(3, [0, 1, 2], async (n, _i, signal) => {
          if (n === 2) {
            await sleep(5);
            throw boom;
          }
          try {
            return await sleep(10_000, { signal });
          } finally {
            await sleep(5);
            stopped.push(signal.reason);
          }
        }),
      );
      await expect(pool).rejects.toBe(boom);
      expect(stopped).toEqual([boom, boom]);
    });

    it("is the error thrown, not a later one", async () => {
      const pool = collect(
        pooledMap(3, [30, 5, 20], async (ms, _i, signal) => {
          await sleep(ms, { signal });
          throw new Error(`failed after ${ms} ms`);
        }),
      );
      await expect(pool).rejects.toThrow("failed after 5 ms");
    });

    it("also comes from a call that throws before returning a promise", async () => {
      const pool = collect(
        pooledMap(2, [0, 1], (n) => {
          if (n === 1) throw new TypeError("sync");
          return Promise.resolve(n);
        }),
      );
      await expect(pool).rejects.toThrow("sync");
    });

    it("also comes from an input that fails", async () => {
      async function* failing(): AsyncGenerator<number> {
        yield 1;
        throw new Error("cannot read item 2");
      }
      await expect(collect(pooledMap(2, failing(), async (n) => n))).rejects.toThrow("cannot read item 2");
    });
  });

  describe("an abort", () => {
    it("rejects at once with the reason when the signal has already aborted, calling nothing", async () => {
      let calls = 0;
      const signal = AbortSignal.abort(new Error("gone"));
      await expect(collect(pooledMap(2, [1, 2], async () => ++calls, { signal }))).rejects.toThrow("gone");
      await expect(collect(pooledMap(2, [], async () => ++calls, { signal }))).rejects.toThrow("gone");
      expect(calls).toBe(0);
    });

    it("starts no new call, aborts the calls in flight and rejects with the reason", async () => {
      const controller = new AbortController();
      const { g, run } = gauge();
      const halt = new Error("halt");
      const pool = collect(
        pooledMap(
          2,
          Array.from({ length: 100 }, (_, i) => i),
          (_n, _i, signal) =>
            run(async () => {
              if (g.started === 3) controller.abort(halt);
              await sleep(5, { signal });
            }),
          { signal: controller.signal },
        ),
      );
      await expect(pool).rejects.toBe(halt);
      expect(g.started).toBe(3);
      expect(g.running).toBe(0);
    });

    it("ends the iteration even when the calls in flight ignore it, once they finish", async () => {
      const controller = new AbortController();
      const out: number[] = [];
      const pool = (async () => {
        for await (const n of pooledMap(2, [0, 1, 2, 3], async (n) => sleep(20).then(() => n), {
          signal: controller.signal,
        }))
          out.push(n);
      })();
      setTimeout(() => controller.abort(new Error("stop")), 5);
      await expect(pool).rejects.toThrow("stop");
      expect(out).toEqual([]);
    });

    it("removes its listener from the signal", async () => {
      const controller = new AbortController();
      let listeners = 0;
      const signal = controller.signal;
      const add = signal.addEventListener.bind(signal);
      const remove = signal.removeEventListener.bind(signal);
      signal.addEventListener = ((...args: Parameters<typeof add>) => {
        listeners++;
        add(...args);
      }) as typeof add;
      signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
        listeners--;
        remove(...args);
      }) as typeof remove;
      await collect(pooledMap(2, [1, 2, 3], async (n) => n, { signal }));
      expect(listeners).toBe(0);
    });
  });

  it("when the consumer stops early, starts nothing more and aborts the calls in flight", async () => {
    const { g, run } = gauge();
    const aborted: boolean[] = [];
    for await (const n of pooledMap(2, [0, 1, 2, 3, 4, 5], (n, _i, signal) =>
      run(async () => {
        if (n > 0) await sleep(1000, { signal }).catch(() => aborted.push(signal.aborted));
        return n;
      }),
    )) {
      expect(n).toBe(0);
      break;
    }
    expect(g.running).toBe(0);
    expect(g.started).toBeLessThanOrEqual(3);
    expect(aborted).toEqual(Array.from({ length: g.started - 1 }, () => true));
  });

  it("starts nothing before the first value is asked for", async () => {
    let calls = 0;
    const pool = pooledMap(2, [1, 2], async () => ++calls);
    await sleep(5);
    expect(calls).toBe(0);
    expect(await collect(pool)).toEqual([1, 2]);
  });
});

describe("mapOrdered (the older array form)", () => {
  it("returns the results in input order and stops on an abort", async () => {
    expect(await mapOrdered([30, 5, 20, 1], 3, async (ms, i) => sleep(ms).then(() => `${i}:${ms}`))).toEqual([
      "0:30",
      "1:5",
      "2:20",
      "3:1",
    ]);
    const controller = new AbortController();
    let started = 0;
    const run = mapOrdered(
      Array.from({ length: 100 }, (_, i) => i),
      2,
      async (_, __, signal) => {
        started++;
        if (started === 3) controller.abort(new Error("halt"));
        await sleep(1, { signal });
      },
      controller.signal,
    );
    await expect(run).rejects.toThrow("halt");
    expect(started).toBeLessThanOrEqual(4);
  });
});
