import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changedSettings,
  configFingerprint,
  configHash,
  GrowConfigError,
  loadGrowConfig,
  parseManifest,
} from "../../src/grow/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-grow-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string) {
  const file = join(dir, "grow.yaml");
  await writeFile(file, yaml);
  return loadGrowConfig(file);
}

const MINIMAL = `datasets:
  - {name: hotpotqa, path: data/hotpot.json}
lengths: [4k, 8192]
target: 2500
existing:
  dir: sft_data
  pattern: "{dataset}/train-num_sample_1000-max_seq_{length}-*-filtered.jsonl"
rollout:
  model: qwen
  base_url: http://localhost:8000/v1
`;

describe("loadGrowConfig", () => {
  it("fills every default once and resolves paths against the config's folder", async () => {
    const c = await load(MINIMAL);
    expect({
      out: c.out,
      datasets: c.datasets,
      lengths: c.lengths,
      existing: c.existing,
      oversample: c.oversample,
      maxRounds: c.maxRounds,
      tokenizer: c.tokenizer,
      seed: c.plain.seed,
      shuffleQa: c.plain.shuffleQa,
      subset: c.plain.subset,
      g: c.plain.tokensToGenerate,
      rollout: c.rollout,
      sft: c.sft,
    }).toEqual({
      out: join(dir, "grow"),
      datasets: [{ name: "hotpotqa", path: join(dir, "data/hotpot.json") }],
      lengths: [4096, 8192],
      existing: {
        dir: join(dir, "sft_data"),
        pattern: "{dataset}/train-num_sample_1000-max_seq_{length}-*-filtered.jsonl",
      },
      oversample: 1.5,
      maxRounds: 5,
      tokenizer: "qwen3",
      seed: 42,
      shuffleQa: true,
      subset: "train",
      g: 128,
      rollout: {
        model: "qwen",
        baseUrls: ["http://localhost:8000/v1"],
        apiKeyEnv: "OPENAI_API_KEY",
        n: 4,
        temperature: 0.6,
        topP: undefined,
        maxTokens: 4096,
        prompt: "stored",
        systemPrompt: undefined,
        extractor: undefined,
        mode: "default",
        concurrency: 8,
        timeoutMs: 600000,
        retries: 5,
      },
      // The rows are labelled with the model that made them.
      sft: { mode: "filter", modelTag: "qwen", keepBoxed: false },
    });
  });

  it("reports every problem at once, with its YAML path and line", async () => {
    const error = await load(`datasets:
  - {name: a, path: a.jsonl}
  - {name: a, path: b.jsonl, format: jsonl}
lengths: [4096, 4096, 100]
target: 0
existing: {dir: x, pattern: "no-placeholders.jsonl"}
oversample: 0.5
plain: {tokens_to_generate: 128}
rollout: {model: m, shuffle: true, prompt: fancy}
sft: {keep_boxed: true}
`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrowConfigError);
    expect((error as Error).message.replace(dir, "<dir>")).toMatchInlineSnapshot(`
      "Invalid grow config "<dir>/grow.yaml": 10 problems
        datasets[1].name: data set name "a" is used twice (line 3)
        lengths[1]: length 4096 is listed twice (line 4)
        lengths[2]: length 100 leaves no prompt budget after tokens_to_generate 128 (line 4)
        target: expected a positive integer, got 0 (line 5)
        existing.pattern: expected a file pattern with "{dataset}" and "{length}", e.g. "{dataset}/x-max_seq_{length}-*.jsonl", got "no-placeholders.jsonl" (line 6)
        oversample: expected a number ≥ 1, got 0.5 (line 7)
        rollout.base_url: required: a URL or a list of URLs (line 9)
        rollout.prompt: expected "stored" or "answer-is" or "auto" or "plain" or "keychain", got "fancy" (line 9)
        rollout.shuffle: unknown key (line 9)
        sft.keep_boxed: applies only with mode "clean" (line 10)"
    `);
  });

  it("hashes only the settings that change outputs", async () => {
    const a = await load(MINIMAL);
    const b = await load(`${MINIMAL}oversample: 3\nmax_rounds: 9\n`);
    expect(configHash(a)).toBe(configHash(b));
    const c = await load(MINIMAL.replace("target: 2500", "target: 3000"));
    expect(changedSettings(configFingerprint(a), configFingerprint(c))).toEqual(["target"]);
  });
});

describe("parseManifest", () => {
  it.each([
    ["not JSON", "{", /not valid JSON/],
    [
      "a bad status",
      JSON.stringify({
        kind: "keychain-synth grow",
        version: 1,
        config_hash: "x",
        config: {},
        created_at: "t",
        updated_at: "t",
        datasets: {},
        cells: [{ dataset: "d", length: 4096, status: "done" }],
      }),
      /field "cells\[0\]\.status": not a grow manifest \(\d+ problems\): cells\[0\]\.status: Invalid option/,
    ],
    ["another file", JSON.stringify({ kind: "other" }), /field "kind": not a grow manifest/],
  ])("names the file and the field of %s", (_, text, message) => {
    expect(() => parseManifest(text, "out/manifest.json")).toThrow(message);
    expect(() => parseManifest(text, "out/manifest.json")).toThrow('Cannot read "out/manifest.json"');
  });
});

describe("examples/grow.yaml", () => {
  it("is a valid config", async () => {
    const c = await loadGrowConfig("examples/grow.yaml");
    expect(c.lengths).toEqual([4096, 8192, 16384, 32768]);
    expect(c.target).toBe(2500);
  });
});
