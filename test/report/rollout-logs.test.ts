import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import { renderKeychainUser, renderPlainUser } from "../../src/prompt/templates.js";
import {
  analyzeRolloutLogs,
  type ClassStepStats,
  classifyPrompt,
  findGaps,
  formatNumber,
  type RolloutLogAnalysis,
  rewardStatsCsv,
  roundHalfEven,
  scoreBinsCsv,
  splitPrompt,
  writeRolloutLogCsvs,
} from "../../src/report/rollout-logs.js";

const BASIC = join(import.meta.dirname, "../fixtures/rollout-logs/basic");
/** The rollouts of BASIC as verl's `trainer.rollout_data_dir` dumps them: `{N}.jsonl`, prompt-only inputs. */
const JSONL = join(import.meta.dirname, "../fixtures/rollout-logs/jsonl");
const SEP = "<|im_end|>\n<|im_start|>assistant\n";

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "keychain-rollout-logs-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A fresh folder under the test's temp dir holding the given files. */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(tmp, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

describe("splitPrompt", () => {
  it.each([
    ["chat input", `<|im_start|>user\nQ${SEP}<think>a</think>`, "<|im_start|>user\nQ", true],
    ["first separator wins", `U1${SEP}A1${SEP}A2`, "U1", true],
    ["no separator: the whole input", "Compute 6 * 7.", "Compute 6 * 7.", false],
    [
      "separator without the newline is not one",
      "Q<|im_end|><|im_start|>assistant\nA",
      "Q<|im_end|><|im_start|>assistant\nA",
      false,
    ],
  ])("%s", (_, input, prompt, separated) => {
    expect(splitPrompt(input)).toEqual({ prompt, separated });
  });
});

describe("classifyPrompt", () => {
  const ctx = "Passage 1:\nAlpha.\n\nPassage 2:\nBeta.";
  it.each([
    ["our plain template", renderPlainUser(ctx, "Where?"), "longqa"],
    [
      "our KeyChain template, uuid ids",
      renderKeychainUser("default", ctx, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
      "longqa_dis",
    ],
    ["our KeyChain template, hex:8 ids", renderKeychainUser("find-first", ctx, "3f2a9c1e"), "longqa_dis"],
    [
      "KeyChain instruction without the word uuid",
      `${ctx}\nFollow the consecutive chain of key:value pairs from ab12.`,
      "longqa_dis",
    ],
    ["upper case markers", "PASSAGE 1: a PASSAGE 2: b UUID", "longqa_dis"],
    ["a passage mentioning UUIDs (original rule)", `${ctx}\nUUIDs are 128-bit labels.`, "longqa_dis"],
    ["one passage only", "Passage 1:\nAlpha.\nQuestion: uuid?", "other"],
    ["math", "What is 2 + 3?", "other"],
    ["'passage 2' without the colon", "see passage 2 below", "other"],
  ])("%s", (_, prompt, cls) => {
    expect(classifyPrompt(prompt)).toBe(cls);
  });
});

describe("roundHalfEven (Python round)", () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4999, 2],
    [2.6, 3],
    [-1.5, -2],
    [-2.5, -2],
    [7, 7],
  ])("%d → %d", (x, r) => {
    expect(roundHalfEven(x)).toBe(r);
  });
});

describe("findGaps and formatNumber", () => {
  it.each([
    [[1, 2, 4], [3]],
    [
      [1, 5, 6, 9],
      [2, 3, 4, 7, 8],
    ],
    [[3], []],
    [[2, 3], []],
  ])("gaps of %j", (steps, gaps) => {
    expect(findGaps(steps)).toEqual(gaps);
  });
  it.each([
    [null, ""],
    [3, "3"],
    [0.25, "0.25"],
    [7 / 9, "0.777778"],
    [0.1 + 0.2, "0.3"],
  ])("%s → %j", (x, text) => {
    expect(formatNumber(x)).toBe(text);
  });
});

/** Expected statistics, written out so every number is checked (bins and occurrences as arrays). */
function stats(
  samples: number,
  prompts: number,
  scoreSum: number,
  varPrompts: number,
  allRight: number,
  allWrong: number,
  irregularPrompts: number,
  scoreBins: number[],
  occurrences: number[],
): ClassStepStats {
  return {
    samples,
    prompts,
    scoreSum,
    meanReward: samples > 0 ? scoreSum / samples : null,
    varPrompts,
    allRight,
    allWrong,
    irregularPrompts,
    scoreBins,
    occurrences,
  };
}

describe("analyzeRolloutLogs on the fixture (repeats 4)", () => {
  let a: RolloutLogAnalysis;
  const progress: number[][] = [];
  beforeAll(async () => {
    a = await analyzeRolloutLogs(BASIC, { repeats: 4, onProgress: (d, t, s) => progress.push([d, t, s]) });
  });

  it("reads global_step_{1,2,4}.json in step order, ignores other files and reports step 3 missing", () => {
    expect(a.steps.map((s) => [s.step, s.file])).toEqual([
      [1, join(BASIC, "global_step_1.json")],
      [2, join(BASIC, "global_step_2.json")],
      [4, join(BASIC, "global_step_4.json")],
    ]);
    expect(a.missingSteps).toEqual([3]);
    expect(a.layout).toBe("global-step-json");
    expect(a.repeats).toBe(4);
    expect(progress).toEqual([
      [1, 3, 1],
      [2, 3, 2],
      [3, 3, 4],
    ]);
  });

  // Step 1 scores per prompt: P1 1,1,0,0  P2 0,0,0,0 | K1 1,1,1,1  K2 0,1,0,0 | O1 1,1,1,1  O2 .5,.5,.5,.5
  it("step 1: every prompt has 4 rollouts", () => {
    const s = a.steps[0]!;
    expect(s.classes.longqa).toEqual(stats(8, 2, 2, 1, 0, 1, 0, [1, 0, 1, 0, 0], [0, 0, 0, 0, 2]));
    expect(s.classes.longqa_dis).toEqual(stats(8, 2, 5, 1, 1, 0, 0, [0, 1, 0, 0, 1], [0, 0, 0, 0, 2]));
    // O2 is constant 0.5: neither all right nor all wrong, not non-constant; sum 2 → bin 2.
    expect(s.classes.other).toEqual(stats(8, 2, 6, 0, 1, 0, 0, [0, 0, 1, 0, 1], [0, 0, 0, 0, 2]));
    expect(s.all).toEqual(stats(24, 6, 13, 2, 2, 1, 0, [1, 1, 2, 0, 2], [0, 0, 0, 0, 6]));
    expect(s.unseparated).toBe(0);
  });

  // Step 2: P1 1,1,1,1  P2 1,0,1,1,0 (5×) | K1 1,0,1,0  K2 0,0,0 (3×) | O1 1,1,1,1  O2 0,.5,1,1
  it("step 2: irregular counts are scaled to 4 rollouts, halves round to even", () => {
    const s = a.steps[1]!;
    // P2: 3 of 5 → 3/5·4 = 2.4 → bin 2.
    expect(s.classes.longqa).toEqual(stats(9, 2, 7, 1, 1, 0, 1, [0, 0, 1, 0, 1], [0, 0, 0, 0, 1, 1]));
    // K2: 0 of 3 → bin 0, all wrong.
    expect(s.classes.longqa_dis).toEqual(stats(7, 2, 2, 1, 0, 1, 1, [1, 0, 1, 0, 0], [0, 0, 0, 1, 1]));
    // O2: sum 2.5 → Python round → bin 2 (not 3).
    expect(s.classes.other).toEqual(stats(8, 2, 6.5, 1, 1, 0, 0, [0, 0, 1, 0, 1], [0, 0, 0, 0, 2]));
    expect(s.all).toEqual(stats(24, 6, 15.5, 3, 2, 1, 2, [1, 0, 3, 0, 2], [0, 0, 0, 1, 4, 1]));
    expect(s.unseparated).toBe(0);
  });

  // Step 4: P1 0,0,0,0 | K1 1,1,1,0 | O1 0,0,0,0 and "Compute 6 * 7." twice without separator, 1,1
  it("step 4: inputs without a separator are their own prompt and are counted", () => {
    const s = a.steps[2]!;
    expect(s.classes.longqa).toEqual(stats(4, 1, 0, 0, 0, 1, 0, [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]));
    expect(s.classes.longqa_dis).toEqual(stats(4, 1, 3, 1, 0, 0, 0, [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]));
    // The unseparated prompt: 2 of 2 → 2/2·4 = 4 → bin 4, all right, irregular.
    expect(s.classes.other).toEqual(stats(6, 2, 2, 0, 1, 1, 1, [1, 0, 0, 0, 1], [0, 0, 1, 0, 1]));
    expect(s.all).toEqual(stats(14, 4, 5, 1, 1, 2, 1, [2, 0, 0, 1, 1], [0, 0, 1, 0, 3]));
    expect(s.unseparated).toBe(2);
  });

  it("gives the same numbers whatever the read chunk size", async () => {
    const small = await analyzeRolloutLogs(BASIC, { repeats: 4, chunkSize: 7 });
    expect(small).toEqual(a);
  });

  it("uses 16 rollouts per prompt by default", async () => {
    const d = await analyzeRolloutLogs(BASIC);
    expect(d.repeats).toBe(16);
    expect(d.steps[0]!.all.scoreBins).toHaveLength(17);
    // Every step-1 prompt has 4 of 16 rollouts; P1 (2 of 4) → 8 of 16.
    expect(d.steps[0]!.classes.longqa.scoreBins[8]).toBe(1);
    expect(d.steps[0]!.all.irregularPrompts).toBe(6);
  });

  it("writes the CSVs atomically and deterministically", async () => {
    const out = join(tmp, "csv");
    const paths = await writeRolloutLogCsvs(a, out);
    expect(paths).toEqual(
      ["reward_stats.csv", "longqa_bins.csv", "longqa_dis_bins.csv"].map((f) => join(out, f)),
    );
    const first = await Promise.all(paths.map((p) => readFile(p)));
    await writeRolloutLogCsvs(await analyzeRolloutLogs(BASIC, { repeats: 4 }), out);
    const second = await Promise.all(paths.map((p) => readFile(p)));
    expect(second).toEqual(first);
    expect((await readdir(out)).sort()).toEqual([
      "longqa_bins.csv",
      "longqa_dis_bins.csv",
      "reward_stats.csv",
    ]);
    expect(first[1]!.toString()).toBe(scoreBinsCsv(a, "longqa"));
  });

  it("reward_stats.csv", () => {
    expect(rewardStatsCsv(a)).toMatchInlineSnapshot(`
      "step,all_samples,all_prompts,all_mean_reward,all_var_input_cnt,all_all_right,all_all_wrong,all_irregular_prompts,longqa_samples,longqa_prompts,longqa_mean_reward,longqa_var_input_cnt,longqa_all_right,longqa_all_wrong,longqa_irregular_prompts,longqa_dis_samples,longqa_dis_prompts,longqa_dis_mean_reward,longqa_dis_var_input_cnt,longqa_dis_all_right,longqa_dis_all_wrong,longqa_dis_irregular_prompts,other_samples,other_prompts,other_mean_reward,other_var_input_cnt,other_all_right,other_all_wrong,other_irregular_prompts,unseparated_inputs
      1,24,6,0.541667,2,2,1,0,8,2,0.25,1,0,1,0,8,2,0.625,1,1,0,0,8,2,0.75,0,1,0,0,0
      2,24,6,0.645833,3,2,1,2,9,2,0.777778,1,1,0,1,7,2,0.285714,1,0,1,1,8,2,0.8125,1,1,0,0,0
      4,14,4,0.357143,1,1,2,1,4,1,0,0,0,1,0,4,1,0.75,1,0,0,0,6,2,0.333333,0,1,1,1,2
      "
    `);
  });

  it("score-bin CSVs", () => {
    expect(scoreBinsCsv(a, "longqa")).toMatchInlineSnapshot(`
      "step,bin_0,bin_1,bin_2,bin_3,bin_4
      1,1,0,1,0,0
      2,0,0,1,0,1
      4,1,0,0,0,0
      "
    `);
    expect(scoreBinsCsv(a, "longqa_dis")).toMatchInlineSnapshot(`
      "step,bin_0,bin_1,bin_2,bin_3,bin_4
      1,0,1,0,0,1
      2,1,0,1,0,0
      4,0,0,0,1,0
      "
    `);
  });
});

describe("analyzeRolloutLogs on verl's {N}.jsonl dumps (repeats 4)", () => {
  let a: RolloutLogAnalysis;
  let basic: RolloutLogAnalysis;
  beforeAll(async () => {
    a = await analyzeRolloutLogs(JSONL, { repeats: 4 });
    basic = await analyzeRolloutLogs(BASIC, { repeats: 4 });
  });

  it("reads {1,2,4}.jsonl in step order, ignores other files and reports step 3 missing", () => {
    expect(a.layout).toBe("step-jsonl");
    expect(a.steps.map((s) => [s.step, s.file])).toEqual([
      [1, join(JSONL, "1.jsonl")],
      [2, join(JSONL, "2.jsonl")],
      [4, join(JSONL, "4.jsonl")],
    ]);
    expect(a.missingSteps).toEqual([3]);
  });

  it("maps {input, score} onto the same numbers as the global_step_{N}.json logs of the same rollouts", () => {
    // The fixture holds BASIC's rollouts, shuffled, each input cut to its prompt without chat markers (as
    // verl's skip_special_tokens decode writes it), with output, gts, step and a reward extra (acc).
    for (const [i, s] of a.steps.entries()) {
      const b = basic.steps[i]!;
      expect([s.step, s.classes, s.all]).toEqual([b.step, b.classes, b.all]);
    }
  });

  it("takes the input as the prompt: nothing is unseparated", () => {
    expect(a.steps.map((s) => s.unseparated)).toEqual([0, 0, 0]);
    expect(basic.steps.map((s) => s.unseparated)).toEqual([0, 0, 2]);
  });
});

describe("analyzeRolloutLogs errors", () => {
  const good = JSON.stringify([{ input: `Q${SEP}A`, score: 1 }]);
  const cases: Array<[string, string]> = [
    ["score-null", '[\n{"input": "Q", "score": 1},\n{"input": "Q", "score": null}\n]'],
    ["score-string", '[{"input": "Q", "score": "1"}]'],
    ["score-missing", '[{"input": "Q", "reward": 1}]'],
    ["score-infinite", '[{"input": "Q", "score": 1e999}]'],
    ["input-missing", '[\n{"input": "Q", "score": 1},\n\n{"score": 0}\n]'],
    ["not-an-object", '[{"input": "Q", "score": 1}, "Q"]'],
    ["not-an-array", '{"input": "Q", "score": 1}'],
    ["truncated", '[{"input": "Q", "score": 1},'],
    ["bad-json", '[{"input": "Q", "score": 1}, {"input": "Q" "score": 1}]'],
  ];
  it("bad entries name the file, line, record and field", async () => {
    const messages: string[] = [];
    for (const [name, text] of cases) {
      const dir = await folder(name, { "global_step_1.json": good, "global_step_2.json": text });
      const error = await analyzeRolloutLogs(dir, { repeats: 4 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      // The JSON.parse detail differs between Node versions.
      const message = (error as InputError).message.replace(tmp, "TMP").replace(/JSON: .*/, "JSON: …");
      messages.push(`${name}: ${message}`);
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "score-null: Cannot read "TMP/score-null/global_step_2.json" line 3 record 2, field "score": expected a finite number, got null",
        "score-string: Cannot read "TMP/score-string/global_step_2.json" line 1 record 1, field "score": expected a finite number, got a string",
        "score-missing: Cannot read "TMP/score-missing/global_step_2.json" line 1 record 1, field "score": expected a finite number, it is missing",
        "score-infinite: Cannot read "TMP/score-infinite/global_step_2.json" line 1 record 1, field "score": expected a finite number, got Infinity",
        "input-missing: Cannot read "TMP/input-missing/global_step_2.json" line 4 record 2, field "input": expected a string, it is missing",
        "not-an-object: Cannot read "TMP/not-an-object/global_step_2.json" line 1 record 2: expected an object {input, score}, got a string",
        "not-an-array: Cannot read "TMP/not-an-array/global_step_2.json" line 1: expected a JSON array ("["), got "{"",
        "truncated: Cannot read "TMP/truncated/global_step_2.json" line 1: the file ends after record 1 before the JSON array is closed with "]"; is it truncated?",
        "bad-json: Cannot read "TMP/bad-json/global_step_2.json" line 1 record 2: not valid JSON: …",
      ]
    `);
  });

  it("bad {N}.jsonl lines name the file, line and field", async () => {
    const ok = JSON.stringify({ input: "Q", output: "A", gts: "a", score: 1, step: 2 });
    const cases: Array<[string, string]> = [
      ["score-null", `${ok}\n${ok}\n{"input": "Q", "score": null, "step": 2}\n`],
      ["score-missing", `${ok}\n\n{"input": "Q", "reward": 1}\n`],
      ["input-missing", `{"output": "A", "score": 0, "step": 2}\n`],
      ["input-not-string", `{"input": ["Q"], "score": 0}\n`],
      ["wrong-step", `${ok}\n{"input": "Q", "score": 1, "step": 3}\n`],
      ["not-an-object", `${ok}\n[1, 2]\n`],
      ["nan", `${ok}\n{"input": "Q", "score": NaN, "step": 2}\n`],
    ];
    const messages: string[] = [];
    for (const [name, text] of cases) {
      const dir = await folder(`jsonl-${name}`, {
        "1.jsonl": `${ok.replace('"step":2', '"step":1')}\n`,
        "2.jsonl": text,
      });
      const error = await analyzeRolloutLogs(dir, { repeats: 4 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      const message = (error as InputError).message.replace(tmp, "TMP").replace(/JSON: .*/, "JSON: …");
      messages.push(`${name}: ${message}`);
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "score-null: Cannot read "TMP/jsonl-score-null/2.jsonl" line 3, field "score": expected a finite number, got null",
        "score-missing: Cannot read "TMP/jsonl-score-missing/2.jsonl" line 3, field "score": expected a finite number, it is missing",
        "input-missing: Cannot read "TMP/jsonl-input-missing/2.jsonl" line 1, field "input": expected a string, it is missing",
        "input-not-string: Cannot read "TMP/jsonl-input-not-string/2.jsonl" line 1, field "input": expected a string, got an array",
        "wrong-step: Cannot read "TMP/jsonl-wrong-step/2.jsonl" line 2, field "step": expected 2, the step of the file name, got 3",
        "not-an-object: Cannot read "TMP/jsonl-not-an-object/2.jsonl" line 2: expected an object {input, score}, got an array",
        "nan: Cannot read "TMP/jsonl-nan/2.jsonl" line 2: not valid JSON: …",
      ]
    `);
  });

  it("folder problems", async () => {
    const empty = await folder("empty", { "global_step_1.json.tmp": good, "notes.txt": "" });
    const twice = await folder("twice", { "global_step_7.json": good, "global_step_07.json": good });
    const twiceJsonl = await folder("twice-jsonl", { "7.jsonl": "", "07.jsonl": "" });
    const steps = ["1", "2", "3", "4", "5"];
    const both = await folder("both", {
      ...Object.fromEntries(steps.map((n) => [`${n}.jsonl`, ""])),
      "global_step_1.json": good,
    });
    const messages = [];
    for (const dir of [join(tmp, "absent"), empty, twice, twiceJsonl, both, join(BASIC, "notes.txt")]) {
      const error = await analyzeRolloutLogs(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      messages.push((error as Error).message.replace(tmp, "TMP").replace(BASIC, "BASIC"));
    }
    expect(messages).toMatchInlineSnapshot(`
      [
        "Cannot read rollout-log folder "TMP/absent": no such folder",
        "Rollout-log folder "TMP/empty" has no global_step_{N}.json or {N}.jsonl files",
        "Rollout-log folder "TMP/twice" has two files for step 7: global_step_07.json and global_step_7.json",
        "Rollout-log folder "TMP/twice-jsonl" has two files for step 7: 07.jsonl and 7.jsonl",
        "Rollout-log folder "TMP/both" holds two layouts: global_step_{N}.json (global_step_1.json) and {N}.jsonl (1.jsonl, 2.jsonl, 3.jsonl and 2 more); keep one layout per folder",
        "Cannot read rollout-log folder "BASIC/notes.txt": not a folder",
      ]
    `);
  });

  it.each([0, -1, 2.5, Number.NaN])("repeats %d is a ConfigError", async (repeats) => {
    await expect(analyzeRolloutLogs(BASIC, { repeats })).rejects.toBeInstanceOf(ConfigError);
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(analyzeRolloutLogs(BASIC, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});
