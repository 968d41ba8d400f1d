import { describe, expect, it } from "vitest";
import { barLayout, shorten } from "../../src/cli/progress.js";

describe("progress bar layout", () => {
  it.each([80, 100, 120, 200])("fits %i columns with a long output path", (columns) => {
    const path =
      "output/hotpotqa/hotpotqa_train-num_sample_1000-max_seq_131072-uuid_len_default-numchain_128-numhop-4-distractor.jsonl";
    const { label, barsize } = barLayout(path, 1000, columns);
    // label + " [" + bar + "] " + "1000/1000" + " " + "100%" + " | eta " + "10h20m30s"
    const line = `${label} [${"#".repeat(barsize)}] 1000/1000 100% | eta 10h20m30s`;
    expect(line.length).toBeLessThanOrEqual(columns - 1);
    expect(barsize).toBeGreaterThanOrEqual(10);
  });

  it("keeps short labels, and a path's file name when it fits", () => {
    expect(shorten("counting tokens (hotpotqa)", 40)).toBe("counting tokens (hotpotqa)");
    const path = "output/hotpotqa/train-num_sample_100-max_seq_4096.jsonl";
    expect(shorten(path, 41)).toBe("…/train-num_sample_100-max_seq_4096.jsonl");
    expect(shorten(path, 39)).toBe("train-num_sample_100-max_seq_4096.jsonl");
    expect(shorten("abcdefghijklmnopqrstuvwxyz", 9)).toBe("abcd…wxyz");
  });
});
