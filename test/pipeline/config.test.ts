import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { keychainOptions, registerKeychain } from "../../src/cli/keychain.js";
import { plainOptions, registerPlain } from "../../src/cli/plain.js";
import { resolveKeychainOptions } from "../../src/keychain/options.js";
import { loadPipelineConfig, resolvePipelineConfig } from "../../src/pipeline/config.js";
import { PipelineConfigError } from "../../src/pipeline/problems.js";
import { kindConfigJson } from "../../src/pipeline/step-key.js";
import { resolvePlainOptions } from "../../src/plain/options.js";
import { SMALL, tempDir } from "./helpers.js";

const FIXTURES = "test/fixtures/pipeline";

async function problemsOf(raw: unknown): Promise<string[]> {
  try {
    await resolvePipelineConfig(raw, { baseDir: FIXTURES });
  } catch (e) {
    if (e instanceof PipelineConfigError)
      return e.message
        .split("\n")
        .slice(1)
        .map((l) => l.trim());
    throw e;
  }
  return [];
}

const valid = {
  datasets: [{ name: "small", path: "../plain/small.jsonl" }],
  lengths: [600],
  kinds: { plain: {} },
};

/** The options commander hands the `plain`/`keychain` action for these flags (the action is not run). */
type Opts = Record<string, unknown>;

/** The flags commander hands to a command's action for `argv`. */
async function cliOpts<F>(register: (p: Command) => void, argv: string[]): Promise<F> {
  const program = new Command().exitOverride();
  register(program);
  let opts: Opts = {};
  program.commands[0]?.action((o: Opts) => {
    opts = o;
  });
  await program.parseAsync(argv, { from: "user" });
  return opts as F;
}

describe("pipeline config validation", () => {
  it("reports every field problem at once, with its YAML path and line", async () => {
    const error = await loadPipelineConfig(join(FIXTURES, "invalid.yaml")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Invalid pipeline config "test/fixtures/pipeline/invalid.yaml": 17 problems
        tokenizer: expected a tokenizer spec (qwen3, hf:PATH, tiktoken:ENC, sentencepiece:MODEL, approx, vllm:URL, gemini:MODEL), got "gpt9" (line 3)
        seed: expected an integer, got 1.5 (line 4)
        datasets[0]: no such file "test/fixtures/pipeline/missing-file.jsonl" (line 6)
        datasets[1].format: expected "hotpotqa" or "musique" or "2wikimqa" or "squad" or "jsonl", got "csv" (line 7)
        datasets[2]: expected a data set name, NAME=PATH, a path or a mapping {name, path, format}, got 42 (line 8)
        lengths[1]: expected a sequence length such as 4096 or "4k", got "8q" (line 9)
        lengths[2]: expected a sequence length such as 4096 or "4k", got 0 (line 9)
        num_samples: expected a positive integer, got -3 (line 10)
        shuffle_qa: expected true or false, got "yes" (line 11)
        placement: expected shuffle, gaussian[:sigma,clamp], depth:P (0 ≤ P ≤ 100) or relevant-only, got "middle" (line 12)
        kinds.plain.template: expected a template with {context} once (and optionally {input}), got "{context} {answer}" (line 15)
        kinds.plain.placment: unknown key (line 16)
        kinds.keychain.chains: expected a positive integer or "auto", got 0 (line 18)
        kinds.keychain.id_format: expected uuid, hex:N (1 ≤ N ≤ 32) or nano:N (1 ≤ N ≤ 64), got "hex:99" (line 19)
        export.verl.test_size: expected an integer ≥ 0, got -1 (line 21)
        export.verl.system_prompt: expected no system_prompt here: it moved to the top level (or kinds.plain / kinds.keychain), as it is stored in every record and counted in its budget, got "chatml" (line 21)
        colour: unknown key; expected one of lengths, tokens_to_generate, num_samples, pre_samples, disjoint_windows, placement, check_budget, subset, system_prompt, chat_template, out, tokenizer, seed, data_dir, datasets, shuffle_qa, filter_ids, min_hops, passage_header, passage_separator, cache_dir, workers, kinds, export (line 22)"
    `);
  });

  it("reports every cross-field rule that fails, naming the rule's place", async () => {
    const error = await loadPipelineConfig(join(FIXTURES, "rules.yaml")).catch((e: unknown) => e);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Invalid pipeline config "test/fixtures/pipeline/rules.yaml": 7 problems
        datasets[1]: the name "small" is already used by datasets[0]; give each data set its own name (outputs go to {out}/{kind}/{name}/) (line 5)
        lengths: 600 appears more than once (line 6)
        kinds.keychain.pre_samples: the KeyChain questions [3, 8) overlap the plain ones [0, 15); plain and KeyChain files must use different questions: leave kinds.keychain.pre_samples unset (it then starts at 15) or set it to ≥ 15 (line 12)
        kinds.keychain.id_format: hex:1 is too short to be unique: it has 16 values and an instance needs 16 ids; use a longer format (e.g. hex:8 or uuid) (line 14)
        kinds.keychain.distractor_questions: 1 is fewer than the 3 distractor chains at length 2048 (chains − 1) (line 15)
        export.verl.test_size: test_size + valid_size = 5 leaves no training rows in the plain (num_samples 5) and keychain (num_samples 5) files; keep it below num_samples (line 17)
        tokens_to_generate: 128 (the default) leaves no prompt budget at length 100 for plain; every length must exceed tokens_to_generate"
    `);
  });

  it.each([
    [{ ...valid, kinds: {} }, "kinds: give at least one of plain, keychain"],
    [
      { ...valid, kinds: { keychain: { chains: -2 } } },
      'kinds.keychain.chains: expected a positive integer or "auto", got -2',
    ],
    [
      { ...valid, lengths: undefined },
      "lengths: required for plain: give lengths here or as kinds.plain.lengths",
    ],
    [{ ...valid, lengths: "32k" }, ""],
    [{ ...valid, datasets: [] }, "datasets: expected at least one data set"],
    [{ ...valid, datasets: "small" }, 'datasets: expected a list of data sets, got "small"'],
    [
      { ...valid, datasets: [{ name: "mine" }] },
      "datasets[0].path: required: a data file (only the public data sets hotpotqa, musique, 2wikimqa may be given by name alone)",
    ],
    [
      { ...valid, kinds: { plain: { distract_questions: -2 } } },
      "kinds.plain.distract_questions: expected an integer ≥ -1 (-1: none), got -2",
    ],
    [
      { ...valid, passage_header: "Doc:\n" },
      'passage_header: expected a string containing {i}, got "Doc:\\n"',
    ],
    [{ ...valid, cache_dir: true }, "cache_dir: expected a folder or false (no cache), got true"],
    [{ ...valid, kinds: "plain" }, 'kinds: expected a mapping, got "plain"'],
    [[1, 2], "expected a mapping, got a list"],
  ])("%j → %s", async (raw, message) => {
    expect(await problemsOf(raw)).toEqual(message === "" ? [] : [message]);
  });

  it("reports YAML syntax errors with their line", async () => {
    const { dir, cleanup } = await tempDir("kcs-yaml-");
    try {
      const path = join(dir, "bad.yaml");
      await writeFile(path, "datasets: [a\nkinds: {plain: {}}\nseed: 1\nseed: 2\n");
      const error = await loadPipelineConfig(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PipelineConfigError);
      const problems = (error as PipelineConfigError).problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.message).toMatch(/^YAML syntax: /);
      expect(problems.map((p) => p.line)).toContain(4);
      expect((error as Error).message).toMatch(/\n {2}YAML syntax: Map keys must be unique \(line 4\)/);
    } finally {
      await cleanup();
    }
  });
});

describe("pipeline config resolution", () => {
  it("resolves paths against the config's folder, names data sets and starts KeyChain after the plain windows", async () => {
    const config = await loadPipelineConfig(join(FIXTURES, "small.yaml"));
    expect(config.out).toBe(join(FIXTURES, "out"));
    expect(config.datasets).toEqual([{ name: "small", path: "test/fixtures/plain/small.jsonl" }]);
    expect(config.plain?.out).toBe(join(FIXTURES, "out/plain"));
    expect(config.plain?.placement).toEqual({ kind: "gaussian", sigma: 0.3, clamp: 0.95 });
    expect(config.keychain?.placement).toEqual({ kind: "shuffle" });
    expect(config.keychain?.preSamples).toBe(10);
    expect(config.keychain?.chainsPer1k).toBe(4);
    expect(config.verl).toEqual({ testSize: 0, validSize: 0, seed: 42, withAliases: false });
    // The framing is synthesis's: the chat template the budget counts, the system message stored.
    expect([config.plain?.chatTemplate, config.plain?.systemPrompt]).toEqual(["auto", "none"]);
    expect([config.keychain?.chatTemplate, config.keychain?.systemPrompt]).toEqual(["auto", "none"]);
    expect(config.source?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("builds the same run configs as the plain and keychain commands with the same flags", async () => {
    const config = await resolvePipelineConfig(
      {
        out: "/o",
        cache_dir: false,
        datasets: [{ name: "small", path: SMALL }],
        lengths: ["4k", 8192],
        num_samples: 5,
        shuffle_qa: true,
        kinds: { plain: { check_budget: "all" }, keychain: { preset: "repo", topology: "tree:3" } },
      },
      { baseDir: "/" },
    );
    const common = [
      "--datasets",
      `small=${SMALL}`,
      "--lengths",
      "4k,8k",
      "-n",
      "5",
      "--shuffle-qa",
      "--no-cache",
    ];
    const plain = resolvePlainOptions(
      plainOptions(
        await cliOpts(registerPlain, ["plain", ...common, "--check-budget", "all", "-o", "/o/plain"]),
      ),
    );
    const keychain = resolveKeychainOptions(
      keychainOptions(
        await cliOpts(registerKeychain, [
          "keychain",
          ...common,
          "--pre-samples",
          "10",
          "--preset",
          "repo",
          "--topology",
          "tree:3",
          "-o",
          "/o/keychain",
        ]),
      ),
    );
    expect(kindConfigJson(config.plain!)).toEqual(kindConfigJson(plain));
    expect(kindConfigJson(config.keychain!)).toEqual(kindConfigJson(keychain));
  });
});

describe("examples/pipeline.yaml", () => {
  it("is valid: its only problems are the public data sets not downloaded here", async () => {
    const error = await loadPipelineConfig("examples/pipeline.yaml").catch((e: unknown) => e);
    if (error === undefined) return;
    expect(error).toBeInstanceOf(PipelineConfigError);
    for (const p of (error as PipelineConfigError).problems)
      expect(p.message).toMatch(/^no such file ".*data\//);
  });
});
