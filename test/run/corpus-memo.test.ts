import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorpusMemo } from "../../src/run/corpus-memo.js";
import { wordCounter } from "../support/word-counter.js";

const FIXTURE = join(import.meta.dirname, "../fixtures/plain/small.jsonl");

describe("CorpusMemo", () => {
  it("reads a data set once per path and format, and counts its documents once per counter and suffix", async () => {
    const memo = new CorpusMemo();
    const a = await memo.read(FIXTURE);
    expect(await memo.read(FIXTURE)).toBe(a);
    expect(await memo.read(FIXTURE, "jsonl")).not.toBe(a);
    expect(a.corpus.docs.length).toBeGreaterThan(0);

    const counter = wordCounter();
    const options = { cacheDir: undefined, suffix: "\n\n" };
    const first = await memo.tokenCounts(a, counter, options);
    const calls = counter.calls;
    expect(calls).toBeGreaterThan(0);
    expect(await memo.tokenCounts(a, counter, options)).toBe(first);
    expect(counter.calls).toBe(calls);
    await memo.tokenCounts(a, counter, { ...options, suffix: "\n" });
    expect(counter.calls).toBeGreaterThan(calls);
  });
});
