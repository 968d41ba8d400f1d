import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import type { KeychainRecord } from "../../src/keychain/record.js";
import { createApproxCounter } from "../../src/tokenizer/approx.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";
import { verifyFile } from "../../src/verify/verify-file.js";
import { buildRecord } from "./make-record.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-verify-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJsonl(name: string, lines: (KeychainRecord | string)[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return path;
}

const valid = (seed: number) => {
  const { record } = buildRecord({ seed });
  return { ...record, id: `r${seed}`, index: seed };
};

/** The approx counter, recording the size of every batch; `skew` is added to each count. */
function recordingCounter(skew = 0): TokenCounter & { batches: number[] } {
  const approx = createApproxCounter();
  const batches: number[] = [];
  return {
    ...approx,
    batches,
    async countBatch(texts) {
      batches.push(texts.length);
      return (await approx.countBatch(texts)).map((n) => n + skew);
    },
  };
}

describe("verifyFile", () => {
  it("sums a file up: counts, failures by code, failing lines with ids and messages", async () => {
    const r2 = valid(2);
    const r4 = valid(4);
    const path = await writeJsonl("mixed.jsonl", [
      valid(1),
      { ...r2, num_chains: 9 },
      "",
      valid(3),
      { ...r4, gold_hashes: ["0000000000000000", r4.gold_hashes[1] as string], prompt_length: 99999 },
    ]);
    const s = await verifyFile(path, { recount: "none" });
    expect(s).toMatchObject({
      path,
      lines: 4,
      passed: 2,
      failed: 2,
      recounted: 0,
      bytes: (await stat(path)).size,
    });
    expect(s.failuresByCode).toEqual({ chain_count: 1, gold: 1, budget: 1 });
    expect(s.failing.map((f) => [f.line, f.id, f.codes])).toEqual([
      [2, "r2", ["chain_count"]],
      [5, "r4", ["gold", "budget"]],
    ]);
    expect(s.failing[0]?.messages).toEqual([`${r2.num_chains} pairs end at a question, num_chains is 9`]);
    expect(s.pairs).toBe(4 * r2.num_pairs);
  });

  it("re-counts every prompt in batches of 16", async () => {
    const path = await writeJsonl(
      "forty.jsonl",
      Array.from({ length: 40 }, (_, i) => valid(i)),
    );
    const tokenizer = recordingCounter();
    const s = await verifyFile(path, { recount: "all", tokenizer });
    expect(s).toMatchObject({ lines: 40, passed: 40, recounted: 40 });
    expect(tokenizer.batches).toEqual([16, 16, 8]);
  });

  it("re-counts every Nth record (1, N+1, …) and reports the ones that disagree", async () => {
    const path = await writeJsonl(
      "ten.jsonl",
      Array.from({ length: 10 }, (_, i) => valid(i)),
    );
    const s = await verifyFile(path, { recount: 3, tokenizer: recordingCounter(1) });
    expect(s.recounted).toBe(4);
    expect(s.failing.map((f) => f.line)).toEqual([1, 4, 7, 10]);
    expect(s.failuresByCode).toEqual({ budget: 4 });
  });

  it("reports progress up to the whole file", async () => {
    const path = await writeJsonl("three.jsonl", [valid(1), valid(2), valid(3)]);
    const seen: number[] = [];
    await verifyFile(path, { recount: "none", onProgress: (p) => seen.push(p.bytes) });
    expect(seen).toHaveLength(3);
    expect(seen.at(-1)).toBe((await stat(path)).size);
  });

  it("a line that is not JSON is an InputError naming the file and line", async () => {
    const path = await writeJsonl("bad.jsonl", [valid(1), "{not json"]);
    const error = await verifyFile(path, { recount: "none" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^Cannot read ".*bad\.jsonl" line 2: not valid JSON/);
  });

  it("a record without a field verification reads is an InputError naming the field", async () => {
    const { chain: _, ...noChain } = valid(1);
    const path = await writeJsonl("field.jsonl", [JSON.stringify(noChain)]);
    await expect(verifyFile(path, { recount: "none" })).rejects.toThrow(
      /line 1 \(id "r1"\), field "chain": expected an array, but the field is missing/,
    );
    const path2 = await writeJsonl("variant.jsonl", [{ ...valid(1), prompt_variant: "short" }]);
    await expect(verifyFile(path2, { recount: "none" })).rejects.toThrow(/field "prompt_variant"/);
  });

  it("re-counting without a tokenizer, or every 0th record, is a ConfigError", async () => {
    const path = await writeJsonl("one.jsonl", [valid(1)]);
    await expect(verifyFile(path, { recount: "all" })).rejects.toBeInstanceOf(ConfigError);
    await expect(verifyFile(path, { recount: 0, tokenizer: recordingCounter() })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});

describe("verifyFile on paths it cannot read", () => {
  it.each([
    ["a missing file", () => join(dir, "missing.jsonl"), /^Cannot read ".*missing\.jsonl": no such file$/],
    ["a folder", () => dir, /^Cannot read ".*": not a file$/],
  ])("%s is an InputError", async (_name, path, message) => {
    const error = await verifyFile(path(), { recount: "none" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });
});
