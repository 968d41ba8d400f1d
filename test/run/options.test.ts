import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagName, OptionsError, snakeCase } from "../../src/config/problems.js";
import { KEYCHAIN_DEFAULTS, resolveKeychainOptions } from "../../src/keychain/options.js";
import { runKeychain } from "../../src/keychain/run.js";
import { PLAIN_DEFAULTS, resolvePlainOptions } from "../../src/plain/options.js";
import { PLAIN_USER_TEMPLATE } from "../../src/prompt/templates.js";
import { MATRIX_DEFAULTS } from "../../src/run/options.js";
import { wordCounter } from "../support/word-counter.js";

const SMALL = join(import.meta.dirname, "../fixtures/plain/small.jsonl");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-options-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolvePlainOptions", () => {
  it("fills every default from one table", () => {
    const c = resolvePlainOptions({ input: SMALL, lengths: "4k" });
    expect({
      lengths: c.lengths,
      g: c.tokensToGenerate,
      n: c.numSamples,
      pre: c.preSamples,
      disjoint: c.disjointWindows,
      seed: c.seed,
      shuffle: c.shuffleQa,
      placement: c.placement,
      tokenizer: c.tokenizer,
      check: c.checkBudget,
      subset: c.subset,
      out: c.out,
      system: c.systemPrompt,
      chat: c.chatTemplate,
      template: c.template.source,
      distract: c.distractQuestions,
      datasets: c.datasets,
    }).toEqual({
      lengths: [4096],
      g: MATRIX_DEFAULTS.tokensToGenerate,
      n: MATRIX_DEFAULTS.numSamples,
      pre: 0,
      disjoint: true,
      seed: 42,
      shuffle: false,
      placement: { kind: "shuffle" },
      tokenizer: "qwen3",
      check: "sample",
      subset: "train",
      out: "output",
      system: "none",
      chat: "auto",
      template: PLAIN_USER_TEMPLATE,
      distract: PLAIN_DEFAULTS.distractorQuestions,
      datasets: [{ path: SMALL }],
    });
  });

  it("takes lengths as numbers, strings with k, or a comma list", () => {
    expect(resolvePlainOptions({ input: SMALL, lengths: [4096, "8k"] }).lengths).toEqual([4096, 8192]);
    expect(resolvePlainOptions({ input: SMALL, lengths: "4k,8k" }).lengths).toEqual([4096, 8192]);
    expect(resolvePlainOptions({ input: SMALL, lengths: 1000 }).lengths).toEqual([1000]);
  });

  it("reports every problem at once, each at its option's path", () => {
    const error = (() => {
      try {
        resolvePlainOptions({
          input: SMALL,
          lengths: ["4k", "8q", "4k"],
          numSamples: -5,
          placement: "middle",
          template: "{context} {answer}",
          checkBudget: "often",
          shard: "3/2",
        });
      } catch (e) {
        return e;
      }
    })() as OptionsError;
    expect(error).toBeInstanceOf(OptionsError);
    expect(error.problems.map((p) => p.path)).toEqual([
      ["lengths", 1],
      ["lengths", 2],
      ["numSamples"],
      ["placement"],
      ["checkBudget"],
      ["shard"],
      ["template"],
    ]);
    expect(error.message.split("\n")[0]).toBe("Invalid plain options: 7 problems");
    expect(error.problems[1]?.message).toBe("length 4096 is listed twice");
  });
});

describe("resolveKeychainOptions", () => {
  it("takes the preset's id format and chain density unless told otherwise", () => {
    const paper = resolveKeychainOptions({ input: SMALL, lengths: "16k" });
    expect([paper.chainsPer1k, paper.idFormat, paper.hops, paper.chains]).toEqual([
      1,
      { kind: "uuid" },
      KEYCHAIN_DEFAULTS.hops,
      "auto",
    ]);
    const repo = resolveKeychainOptions({
      input: SMALL,
      lengths: "16k",
      preset: "repo",
      idFormat: "nano:21",
    });
    expect([repo.chainsPer1k, repo.idFormat]).toEqual([4, { kind: "nano", length: 21 }]);
  });

  it("checks per length that the ids and the distractor questions fit, with the rest", () => {
    let error: OptionsError | undefined;
    try {
      resolveKeychainOptions({
        input: SMALL,
        lengths: ["4k", "64k"],
        preset: "repo",
        idFormat: "hex:2",
        distractorQuestions: 2,
        hops: 0,
        promptVariant: "1line",
      });
    } catch (e) {
      error = e as OptionsError;
    }
    expect(error?.problems.map((p) => p.path.join("."))).toEqual([
      "hops",
      "promptVariant",
      "idFormat",
      "distractorQuestions",
      "idFormat",
      "distractorQuestions",
    ]);
    expect(error?.problems[3]?.message).toBe(
      "2 is fewer than the 15 distractor chains at length 4096 (chains − 1)",
    );
  });
});

describe("runKeychain with only the options a user cares about", () => {
  it("builds verified instances with the CLI's defaults", async () => {
    const out = join(dir, "kc");
    const [summary] = await runKeychain(
      { input: SMALL, lengths: [1500], numSamples: 3, distractorQuestions: 2, out },
      { counter: wordCounter() },
    );
    expect(summary?.written).toBe(3);
    const files = await readdir(join(out, "small"));
    expect(files).toContain(
      "small_train-num_sample_3-max_seq_1500-uuid_len_default-numchain_1-numhop-4-distractor.jsonl",
    );
    const first = JSON.parse((await readFile(summary?.path as string, "utf8")).split("\n")[0] as string);
    expect([first.kind, first.hops, first.id_format, first.prompt_variant]).toEqual([
      "keychain",
      4,
      "uuid",
      "default",
    ]);
  });
});

describe("option names in each front end's words", () => {
  it.each([
    ["tokensToGenerate", "tokens_to_generate", "--tokens-to-generate"],
    ["lengths", "lengths", "--lengths"],
    ["distractorQuestions", "distractor_questions", "--distractor-questions"],
  ])("%s", (name, yaml, flag) => {
    expect(snakeCase(name)).toBe(yaml);
    expect(flagName(name)).toBe(flag);
  });
});
