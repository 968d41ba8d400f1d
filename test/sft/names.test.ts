import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { cleanedOutputStem, filteredOutputPath, modelFileTag, swiftOutputStem } from "../../src/sft/index.js";
import { rolloutOutputPath } from "../../src/stages/rollout.js";

describe("output names (§11.1, §11.2, §11.4)", () => {
  it.each([
    [
      "train-num_sample_1000-max_seq_4096-qwen14b_2e_1node_long_checkpoint",
      "train-num_sample_1000-max_seq_4096-LoongRL-14b-swift",
    ],
    // greedy like Python's re.match: the last max_seq_N, all its digits
    ["a-max_seq_8-b-max_seq_16384-model", "a-max_seq_8-b-max_seq_16384-LoongRL-14b-swift"],
    ["train-max_seq_4096", "train-max_seq_4096-LoongRL-14b-swift"],
  ])("swiftOutputStem(%j)", (stem, expected) => {
    expect(swiftOutputStem(stem, "LoongRL-14b")).toBe(expected);
  });

  it("cleaned stem", () => {
    expect(cleanedOutputStem("train-num_sample_1000-max_seq_4096-qwen14b", "LoongRL-14b")).toBe(
      "train-num_sample_1000-max_seq_4096-LoongRL-14b-cleaned",
    );
  });

  it("filtered path: the input's folder unless an output folder is given", () => {
    const input = "sft/hotpotqa/train-num_sample_1000-max_seq_4096-LoongRL-14b-swift.jsonl";
    expect(filteredOutputPath(input)).toBe(
      "sft/hotpotqa/train-num_sample_1000-max_seq_4096-LoongRL-14b-swift-filtered.jsonl",
    );
    expect(filteredOutputPath(input, "out")).toBe(
      "out/train-num_sample_1000-max_seq_4096-LoongRL-14b-swift-filtered.jsonl",
    );
  });

  it("a stem without max_seq_N is a ConfigError naming the file", () => {
    expect(() => swiftOutputStem("train-qwen14b", "LoongRL-14b", "t/hotpotqa/train-qwen14b.jsonl")).toThrow(
      ConfigError,
    );
    expect(() => swiftOutputStem("train-qwen14b", "x", "t/hotpotqa/train-qwen14b.jsonl")).toThrow(
      /Cannot name the output for "t\/hotpotqa\/train-qwen14b.jsonl": its name has no "max_seq_<N>" part/,
    );
  });

  it.each([
    ["Qwen/Qwen3-8B", "Qwen_Qwen3-8B"],
    ["/ckpt/qwen14b/step_100", "_ckpt_qwen14b_step_100"],
    ["qwen14b_ckpt", "qwen14b_ckpt"],
  ])("modelFileTag(%j) = %j, as rollout names its file", (model, tag) => {
    expect(modelFileTag(model)).toBe(tag);
    expect(rolloutOutputPath({ input: "d/x.jsonl", model, out: "o" })).toBe(join("o", "d", `x-${tag}.jsonl`));
  });
});
