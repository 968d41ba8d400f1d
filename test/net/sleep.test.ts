import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sleep } from "../../src/net/sleep.js";

/** A signal that counts its abort listeners, to see that `sleep` removes what it adds. */
function countingSignal(controller = new AbortController()) {
  const signal = controller.signal;
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    listeners--;
    remove(...args);
  }) as typeof signal.removeEventListener;
  return { controller, signal, listeners: () => listeners };
}

describe("sleep with fake timers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves once the time has passed, not before", async () => {
    let done = false;
    const wait = sleep(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await wait;
    expect(done).toBe(true);
  });

  it("resolves with a signal that never aborts, and removes its listener", async () => {
    const { signal, listeners } = countingSignal();
    const wait = sleep(500, { signal });
    expect(listeners()).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    await expect(wait).resolves.toBeUndefined();
    expect(listeners()).toBe(0);
  });

  it("rejects with the signal's reason as soon as it aborts, and clears its timer", async () => {
    const controller = new AbortController();
    const wait = sleep(10_000, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(20);
    controller.abort(new Error("stop"));
    await expect(wait).rejects.toThrow("stop");
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("sleep", () => {
  it("waits about the time asked", async () => {
    const started = performance.now();
    await sleep(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("rejects at once on a signal that has already aborted, adding no listener", async () => {
    const { controller, signal, listeners } = countingSignal();
    controller.abort(new Error("gone"));
    await expect(sleep(10_000, { signal })).rejects.toThrow("gone");
    expect(listeners()).toBe(0);
  });

  it("rejects with an AbortError for an abort without a reason", async () => {
    const controller = new AbortController();
    const wait = sleep(10_000, { signal: controller.signal });
    controller.abort();
    await expect(wait).rejects.toMatchObject({ name: "AbortError" });
  });
});
