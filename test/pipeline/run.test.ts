import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import type { Manifest } from "../../src/pipeline/manifest.js";
import { type PipelineEvent, runPipeline } from "../../src/pipeline/run.js";
import { configIn, counter, readJson, smallConfigYaml, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("kcs-pipeline-"));
});
afterEach(async () => {
  await cleanup();
});

/** Run the pipeline; the step numbers that were made, and those whose export ran. */
async function run(yaml = smallConfigYaml(), options: { force?: boolean } = {}) {
  const config = await configIn(dir, yaml);
  const events: PipelineEvent[] = [];
  const result = await runPipeline(config, { counter: counter(), onEvent: (e) => events.push(e) }, options);
  const made = events.flatMap((e) => (e.type === "step-start" ? [e.step.number] : []));
  const exported = events.flatMap((e) =>
    e.type === "export-done" && e.status === "done" ? [e.step.number] : [],
  );
  const reasons = events.flatMap((e) => (e.type === "step-start" ? [e.reason] : []));
  return { config, result, made, exported, reasons, events };
}

const files = async (root: string) =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();

const lines = async (p: string) =>
  (await readFile(p, "utf8"))
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));

const PLAIN_600 = "out/plain/small/train-num_sample_5-max_seq_600.jsonl";
const KEYCHAIN_900 =
  "out/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor.jsonl";

describe("runPipeline", () => {
  it("makes plain and KeyChain files on disjoint questions, exports them and writes the manifest", async () => {
    const { made, exported, result } = await run();
    expect(made).toEqual([1, 2, 3, 4]);
    expect(exported).toEqual([1, 2, 3, 4]);
    expect(await files(dir)).toMatchInlineSnapshot(`
      [
        "out/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor.jsonl",
        "out/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor.jsonl.meta.json",
        "out/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor.jsonl",
        "out/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor.jsonl.meta.json",
        "out/manifest.json",
        "out/plain/small/train-num_sample_5-max_seq_600.jsonl",
        "out/plain/small/train-num_sample_5-max_seq_600.jsonl.meta.json",
        "out/plain/small/train-num_sample_5-max_seq_900.jsonl",
        "out/plain/small/train-num_sample_5-max_seq_900.jsonl.meta.json",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor/export.json",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor/test.parquet",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor/train.parquet",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_600-uuid_len_default-numchain_1-numhop-2-distractor/valid.parquet",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor/export.json",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor/test.parquet",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor/train.parquet",
        "out/verl/keychain/small/small_train-num_sample_5-max_seq_900-uuid_len_default-numchain_1-numhop-2-distractor/valid.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_600/export.json",
        "out/verl/plain/small/train-num_sample_5-max_seq_600/test.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_600/train.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_600/valid.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_900/export.json",
        "out/verl/plain/small/train-num_sample_5-max_seq_900/test.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_900/train.parquet",
        "out/verl/plain/small/train-num_sample_5-max_seq_900/valid.parquet",
        "pipeline.yaml",
      ]
    `);

    // Plain takes questions [0, 10), KeyChain [10, 20): no question in both.
    const sourceIndices = async (p: string) =>
      (await lines(join(dir, p))).map((r) => r.source_index as number);
    expect(await sourceIndices(PLAIN_600)).toEqual([0, 1, 2, 3, 4]);
    expect(await sourceIndices(KEYCHAIN_900)).toEqual([15, 16, 17, 18, 19]);

    const manifest: Manifest = await readJson(join(dir, "out/manifest.json"));
    expect(manifest).toEqual(result.manifest);
    expect(manifest.status).toBe("done");
    expect(manifest.tokenizer).toEqual({ spec: "approx", name: "words", id: "test:words" });
    expect(manifest.inputs.datasets[0]).toMatchObject({
      name: "small",
      source_fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(manifest.totals).toMatchObject({ done: 4, "skipped-existing": 0, written: 20, requested: 20 });
    expect(
      manifest.steps.map((s) => [
        s.step,
        s.kind,
        s.dataset,
        s.length,
        s.window.start,
        s.window.end,
        s.status,
        s.counts?.written,
        s.within_budget,
        s.export?.status,
      ]),
    ).toEqual([
      [1, "plain", "small", 600, 0, 5, "done", 5, 5, "done"],
      [2, "plain", "small", 900, 5, 10, "done", 5, 5, "done"],
      [3, "keychain", "small", 600, 10, 15, "done", 5, 5, "done"],
      [4, "keychain", "small", 900, 15, 20, "done", 5, 5, "done"],
    ]);
    const step = manifest.steps[0]!;
    expect(step.output).toBe(join(dir, PLAIN_600));
    expect(step.fill?.mean).toBeGreaterThan(0.9);
    expect(step.timings_ms.synthesize).toEqual(expect.any(Number));
    expect(step.export).toMatchObject({ train: 3, test: 1, valid: 1, withheld: 0 });

    const meta = await readJson(join(dir, `${PLAIN_600}.meta.json`));
    expect(meta.pipeline).toMatchObject({ step_key: expect.stringMatching(/^[0-9a-f]{64}$/), shard: null });
  });

  it("resumes: a second run makes nothing; a deleted file is made again, alone", async () => {
    await run();
    const before = await readFile(join(dir, KEYCHAIN_900), "utf8");
    const mtime = (await stat(join(dir, PLAIN_600))).mtimeMs;

    const again = await run();
    expect(again.made).toEqual([]);
    expect(again.exported).toEqual([]);
    expect(again.result.manifest.steps.map((s) => [s.status, s.export?.status])).toEqual(
      Array(4).fill(["skipped-existing", "skipped-existing"]),
    );
    expect(again.result.manifest.steps[3]?.counts).toEqual({ requested: 5, written: 5, skipped: 0 });

    await rm(join(dir, KEYCHAIN_900));
    const third = await run();
    expect(third.made).toEqual([4]);
    expect(third.reasons).toEqual(["new"]);
    expect(third.exported).toEqual([4]);
    expect(await readFile(join(dir, KEYCHAIN_900), "utf8")).toBe(before);
    expect((await stat(join(dir, PLAIN_600))).mtimeMs).toBe(mtime);
  });

  it("makes a file again when its sidecar is missing or its step's options changed", async () => {
    await run();
    await rm(join(dir, `${PLAIN_600}.meta.json`));
    const changed = smallConfigYaml().replace("  plain: {}", "  plain: {placement: gaussian}");
    const r = await run(changed);
    expect(r.made).toEqual([1, 2]);
    expect(r.reasons).toEqual(["its sidecar is missing", "the step's options changed"]);
  });

  it("makes everything again with force", async () => {
    await run();
    const r = await run(undefined, { force: true });
    expect(r.made).toEqual([1, 2, 3, 4]);
    expect(r.exported).toEqual([1, 2, 3, 4]);
    expect(r.reasons).toEqual(Array(4).fill("--force"));
  });

  it("records a failed step in the manifest and stops", async () => {
    // 3 plain lengths × 8 questions leave 6 of the 30 for KeyChain, which asks for 8 per length.
    const yaml = smallConfigYaml()
      .replace("lengths: [600, 900]", "lengths: [600, 700, 900]")
      .replace("num_samples: 5", "num_samples: 8");
    const error = await run(yaml).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const manifest: Manifest = await readJson(join(dir, "out/manifest.json"));
    expect(manifest.status).toBe("failed");
    expect(manifest.error).toMatch(/Requested questions \[24, 32\) but only 30 are available/);
    expect(manifest.steps.map((s) => s.status)).toEqual([
      "done",
      "done",
      "done",
      "failed",
      "failed",
      "failed",
    ]);
    expect(manifest.steps[3]?.error).toMatch(/^keychain small: Requested questions/);
  });
});
