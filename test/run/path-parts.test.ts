import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ConfigProblem, OptionsError } from "../../src/config/problems.js";
import { ConfigError } from "../../src/errors.js";
import { GrowConfigError, resolveGrowConfig } from "../../src/grow/config.js";
import { assertPathPart, pathPartProblem } from "../../src/io/paths.js";
import { resolvePipelineConfig } from "../../src/pipeline/config.js";
import { PipelineConfigError } from "../../src/pipeline/problems.js";
import { resolvePlainOptions } from "../../src/plain/options.js";
import { runPlain } from "../../src/plain/run.js";
import { parseDatasets } from "../../src/run/datasets.js";
import { resolveConvertOptions } from "../../src/sft/convert-options.js";
import { modelFileTag } from "../../src/sft/names.js";
import { rolloutOutputPath } from "../../src/stages/rollout.js";
import { wordCounter } from "../support/word-counter.js";

const SMALL = join(import.meta.dirname, "../fixtures/plain/small.jsonl");
const REFUSED = ["../../X", "a/b", "..", ".", "x\u0001y", "a\\b", "", "tab\there", "del\u007f"];
const ACCEPTED = ["hotpotqa", "my-set_2", "2wikimqa", "Qwen3-8B.v1", "naïve", "a..b"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-path-parts-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(work: () => unknown): ConfigProblem[] {
  try {
    work();
  } catch (e) {
    if (e instanceof OptionsError || e instanceof GrowConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe("assertPathPart", () => {
  it.each(REFUSED)("refuses %j with a ConfigError saying what and why", (value) => {
    expect(() => assertPathPart(value, "data set name")).toThrow(ConfigError);
    expect(() => assertPathPart(value, "data set name")).toThrow(
      `The data set name ${JSON.stringify(value)} cannot be a folder or file name: `,
    );
  });

  it.each(ACCEPTED)("accepts %j", (value) => {
    expect(assertPathPart(value, "data set name")).toBe(value);
    expect(pathPartProblem(value)).toBeUndefined();
  });

  it("says why", () => {
    expect(pathPartProblem("../../X")).toBe('it holds a "/" or "\\" and would name another folder');
    expect(pathPartProblem("..")).toBe('".." would leave the output folder');
    expect(pathPartProblem("x\u0001y")).toBe("it holds a control character");
    expect(pathPartProblem("")).toBe("it is empty");
  });
});

describe("data set names, subsets and model tags that become path parts", () => {
  it.each(REFUSED.filter((v) => v !== ""))("--name %j is refused at its option", (name) => {
    const problems = problemsOf(() => resolvePlainOptions({ input: SMALL, lengths: "4k", name }));
    expect(problems.map((p) => p.path)).toEqual([["name"]]);
    expect(problems[0]?.message).toContain("cannot be a folder name");
  });

  it.each(REFUSED.filter((v) => v !== "" && !v.includes("=")))("NAME=FILE with %j is refused", (name) => {
    expect(() => parseDatasets([`${name}=${SMALL}`], "data", undefined)).toThrow(ConfigError);
    const problems = problemsOf(() => resolvePlainOptions({ input: `${name}=${SMALL}`, lengths: "4k" }));
    expect(problems.map((p) => p.path)).toEqual([["input"]]);
    const object = problemsOf(() => resolvePlainOptions({ input: { name, path: SMALL }, lengths: "4k" }));
    expect(object.map((p) => p.path)).toEqual([["input"]]);
  });

  it.each(REFUSED)("--subset %j is refused", (subset) => {
    const problems = problemsOf(() => resolvePlainOptions({ input: SMALL, lengths: "4k", subset }));
    expect(problems.map((p) => p.path)).toEqual([["subset"]]);
  });

  it.each(ACCEPTED)("%j is accepted as a name and a subset", (value) => {
    const c = resolvePlainOptions({ input: `${value}=${SMALL}`, lengths: "4k", subset: value });
    expect([c.datasets[0]?.name, c.subset]).toEqual([value, value]);
    expect(resolvePlainOptions({ input: SMALL, lengths: "4k", name: value }).datasets[0]?.name).toBe(value);
  });

  it("a name the runner derives from the file is checked too, before anything is written", async () => {
    // A file named "..json" would name its folder "." (the output folder itself).
    const { copyFile } = await import("node:fs/promises");
    const odd = join(dir, "..json");
    await copyFile(SMALL, odd);
    await expect(
      runPlain(
        { input: odd, format: "jsonl", lengths: [600], numSamples: 2, out: join(dir, "o"), cacheDir: false },
        { counter: wordCounter() },
      ),
    ).rejects.toThrow('The data set name "." cannot be a folder or file name');
  });

  it.each([
    ["../../X", ".._.._X"],
    ["Qwen/Qwen3-8B", "Qwen_Qwen3-8B"],
  ])("the model %j becomes the file name part %j", (model, tag) => {
    expect(modelFileTag(model)).toBe(tag);
    expect(rolloutOutputPath({ input: "d/set/x-max_seq_1.jsonl", model, out: "o" })).toBe(
      join("o", "set", `x-max_seq_1-${tag}.jsonl`),
    );
  });

  it.each(["..", ".", "a\\b", "x\u0001y", ""])("the model %j is refused in file names", (model) => {
    expect(() => modelFileTag(model)).toThrow(ConfigError);
    expect(() => rolloutOutputPath({ input: "d/set/x.jsonl", model, out: "o" })).toThrow(ConfigError);
  });

  it.each(REFUSED)("the SFT model tag %j is refused", (modelTag) => {
    expect(() => resolveConvertOptions({ input: "r-max_seq_4096-m.jsonl", outDir: "o", modelTag })).toThrow(
      "cannot be part of a file name",
    );
  });

  it.each(ACCEPTED)("the SFT model tag %j is accepted", (modelTag) => {
    expect(resolveConvertOptions({ input: "r-max_seq_4096-m.jsonl", outDir: "o", modelTag }).modelTag).toBe(
      modelTag,
    );
  });
});

describe("pipeline and grow configs", () => {
  const detectFormat = async () => "jsonl" as const;

  it("a pipeline data set name is refused at datasets[i].name (or datasets[i] as NAME=FILE)", async () => {
    const raw = parse(`
datasets:
  - {name: ok, path: ${JSON.stringify(SMALL)}}
  - {name: "../../X", path: ${JSON.stringify(SMALL)}}
  - "a/b=${SMALL}"
  - {name: "x\\u0001y", path: missing.jsonl}
lengths: [600]
kinds: {plain: {}}
`);
    const error = await resolvePipelineConfig(raw, { baseDir: dir, detectFormat }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineConfigError);
    const problems = (error as PipelineConfigError).problems.map((p) => [p.path.join("."), p.message]);
    expect(problems).toEqual([
      [
        "datasets.1.name",
        'data set name "../../X" cannot be a folder name: it holds a "/" or "\\" and would name another folder',
      ],
      [
        "datasets.2",
        'data set name "a/b" cannot be a folder name: it holds a "/" or "\\" and would name another folder',
      ],
      ["datasets.3.name", 'data set name "x\\u0001y" cannot be a folder name: it holds a control character'],
      ["datasets.3.path", `no such file "${join(dir, "missing.jsonl")}"`],
    ]);
  });

  it("a pipeline accepts plain names", async () => {
    const raw = parse(`
datasets: [{name: my-set_2, path: ${JSON.stringify(SMALL)}}, "hotpotqa=${SMALL}"]
lengths: [600]
kinds: {plain: {}}
`);
    const config = await resolvePipelineConfig(raw, { baseDir: dir, detectFormat });
    expect(config.datasets.map((d) => d.name)).toEqual(["my-set_2", "hotpotqa"]);
    expect(config.plain?.out).toBe(join(dir, "output", "plain"));
  });

  const grow = (datasets: string, extra = "") =>
    parse(`datasets: ${datasets}
lengths: [4k]
target: 10
existing: {dir: e, pattern: "{dataset}/x-{length}.jsonl"}
rollout: {model: qwen, base_url: "http://127.0.0.1:1/v1"}
${extra}`);

  it("a grow data set name, and a model tag, are refused at their YAML paths", () => {
    const problems = problemsOf(() =>
      resolveGrowConfig(
        grow(`[{name: "../../X", path: a.json}, {name: my-set_2, path: b.json}]`, "sft: {model_tag: '..'}"),
        {
          baseDir: dir,
        },
      ),
    );
    expect(problems.map((p) => p.path.join("."))).toEqual(["datasets.0.name", "sft.model_tag"]);
    expect(
      problemsOf(() => resolveGrowConfig(grow(`[{name: my-set_2, path: a.json}]`), { baseDir: dir })),
    ).toEqual([]);
    const dotModel = grow(`[{name: hotpotqa, path: a.json}]`);
    dotModel.rollout.model = "..";
    expect(
      problemsOf(() => resolveGrowConfig(dotModel, { baseDir: dir })).map((p) => p.path.join(".")),
    ).toEqual(["rollout.model"]);
  });
});
