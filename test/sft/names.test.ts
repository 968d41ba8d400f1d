import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { cleanedOutputStem, filteredOutputPath, swiftOutputStem } from "../../src/sft/index.js";

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
});
