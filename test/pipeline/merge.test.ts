import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { liveTempFiles } from "../../src/io/atomic.js";
import type { PipelineConfig } from "../../src/pipeline/config.js";
import { mergeDirectory, mergePipeline } from "../../src/pipeline/merge.js";
import { planSteps } from "../../src/pipeline/plan.js";
import { ShardMergeError } from "../../src/pipeline/problems.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { fileExists } from "../../src/pipeline/sidecar.js";
import { configIn, counter, readJson, smallConfigYaml, tempDir } from "./helpers.js";

let whole: { dir: string; cleanup: () => Promise<void> };
let sharded: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  whole = await tempDir("kcs-whole-");
  sharded = await tempDir("kcs-sharded-");
});
afterEach(async () => {
  await whole.cleanup();
  await sharded.cleanup();
});

const TOKENIZER = "test:words";

async function makeShards(dir: string, n = 3): Promise<PipelineConfig> {
  const config = await configIn(dir, smallConfigYaml());
  for (let index = 0; index < n; index++)
    await runPipeline(
      config,
      { counter: counter() },
      { shard: { shard: { index, count: n }, from: "--shard" } },
    );
  return config;
}

describe("shards and merge", () => {
  it("shards 0..2 of 3, merged, equal the unsharded files byte for byte (plain and KeyChain)", async () => {
    const reference = await configIn(whole.dir, smallConfigYaml());
    await runPipeline(reference, { counter: counter() });
    const config = await makeShards(sharded.dir);

    // Each shard wrote its own manifest and no export.
    const m1 = await readJson(join(config.out, "manifest.shard-1-of-3.json"));
    expect(m1.shard).toEqual({ index: 1, count: 3, from: "--shard" });
    expect(m1.steps.map((s: { part: unknown; export: unknown }) => [s.part, s.export])).toEqual([
      [{ start: 1, end: 3 }, null],
      [{ start: 6, end: 8 }, null],
      [{ start: 11, end: 13 }, null],
      [{ start: 16, end: 18 }, null],
    ]);
    expect(await fileExists(join(config.out, "manifest.json"))).toBe(false);

    const result = await mergePipeline(config, TOKENIZER);
    expect(result.merged.map((m) => [m.shards, m.written])).toEqual(Array(4).fill([3, 5]));
    const steps = planSteps(config);
    const refSteps = planSteps(reference);
    expect(steps.map((s) => s.kind)).toEqual(["plain", "plain", "keychain", "keychain"]);
    for (const [i, step] of steps.entries()) {
      const merged = await readFile(step.whole);
      expect(merged.equals(await readFile(refSteps[i]!.whole))).toBe(true);
      const meta = await readJson(`${step.whole}.meta.json`);
      const refMeta = await readJson(`${refSteps[i]!.whole}.meta.json`);
      expect(meta.window).toEqual(refMeta.window);
      expect(meta.pipeline.step_key).toBe(refMeta.pipeline.step_key);
      expect(meta.summary.written).toBe(refMeta.summary.written);
      expect(meta.summary.skipped).toEqual(refMeta.summary.skipped);
      expect(meta.merged_from).toHaveLength(3);
    }

    // Merging again does nothing; the unsharded pipeline then finds every file and only exports.
    expect((await mergePipeline(config, TOKENIZER)).upToDate).toHaveLength(4);
    const events: string[] = [];
    const after = await runPipeline(config, { counter: counter(), onEvent: (e) => events.push(e.type) });
    expect(events).not.toContain("step-start");
    expect(after.manifest.steps.map((s) => [s.status, s.export?.status])).toEqual(
      Array(4).fill(["skipped-existing", "done"]),
    );
  });

  it("names every missing or incomplete shard and writes nothing", async () => {
    const config = await makeShards(sharded.dir);
    const [plain600, , , keychain900] = planSteps(config);
    const shard = (whole: string, i: number) => whole.replace(/\.jsonl$/, `.shard-${i}-of-3.jsonl`);
    await rm(shard(keychain900!.whole, 1));
    await rm(`${shard(keychain900!.whole, 1)}.meta.json`);
    await rm(`${shard(plain600!.whole, 2)}.meta.json`);

    const error = await mergePipeline(config, TOKENIZER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardMergeError);
    const problems = (error as ShardMergeError).problems;
    expect(problems).toEqual([
      `shard 2 of 3 is incomplete (no sidecar ${shard(plain600!.whole, 2)}.meta.json; its run did not finish)`,
      `missing shard 1 of 3: ${shard(keychain900!.whole, 1)}`,
    ]);
    expect((error as Error).message).toContain("nothing was written");
    for (const step of planSteps(config)) expect(await fileExists(step.whole)).toBe(false);
  });

  it("refuses shards made with another config", async () => {
    const config = await makeShards(sharded.dir, 2);
    const other = await configIn(
      sharded.dir,
      smallConfigYaml().replace("  plain: {}", "  plain: {placement: gaussian}"),
    );
    const error = await mergePipeline(other, TOKENIZER).catch((e: unknown) => e);
    expect((error as ShardMergeError).problems).toHaveLength(4);
    expect((error as ShardMergeError).problems[0]).toMatch(
      /shard 0 of 2 .* was not made with this config: the step's options changed/,
    );
    expect(config.out).toBe(other.out);
  });

  it("merges every shard group found in a folder", async () => {
    const config = await makeShards(sharded.dir, 2);
    const result = await mergeDirectory(config.out);
    expect(result.merged).toHaveLength(4);
    expect(result.merged.map((m) => m.whole).sort()).toEqual(
      planSteps(config)
        .map((s) => s.whole)
        .sort(),
    );
    expect((await mergeDirectory(config.out)).upToDate).toHaveLength(4);
  });

  it("refuses to make whole a file whose shards exist but were not merged", async () => {
    const config = await makeShards(sharded.dir, 2);
    const error = await runPipeline(config, { counter: counter() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^Shard files exist for 4 files this run would make whole:/);
    expect((error as Error).message).toContain("shard-0-of-2.jsonl, shard-1-of-2.jsonl");
  });

  it("refuses a damaged shard whose line count disagrees with its sidecar", async () => {
    const config = await makeShards(sharded.dir, 2);
    const [first] = planSteps(config);
    const path = first!.whole.replace(/\.jsonl$/, ".shard-1-of-2.jsonl");
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1));
    const error = await mergePipeline(config, TOKENIZER).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/holds 2 complete lines but its sidecar says 3 samples/);
    expect(await fileExists(first!.whole)).toBe(false);
    // The half-written whole file is gone too.
    expect((await readdir(dirname(first!.whole))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
  });
});
