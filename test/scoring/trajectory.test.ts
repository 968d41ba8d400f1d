import { describe, expect, it } from "vitest";
import { scoreTrajectory } from "../../src/scoring/index.js";

describe("scoreTrajectory", () => {
  it("scores a correct thinking trajectory with the original's keys in order (§10.6)", () => {
    const text = "<think>r</think>\\boxed{Arthur's Magazine}";
    for (const mode of ["compat", "default"] as const) {
      const scored = scoreTrajectory(text, ["Arthur's Magazine"], { mode });
      expect(Object.keys(scored)).toEqual(["text", "extracted_answer", "sub_em", "em", "f1", "is_correct"]);
      expect(scored).toEqual({
        text,
        extracted_answer: "Arthur's Magazine",
        sub_em: 1,
        em: 1,
        f1: 1,
        is_correct: 1,
      });
    }
  });

  it("scores a trajectory without an answer as incorrect (§10.6)", () => {
    for (const mode of ["compat", "default"] as const) {
      expect(scoreTrajectory("I don't know", ["Arthur's Magazine"], { mode })).toEqual({
        text: "I don't know",
        extracted_answer: null,
        sub_em: 0,
        em: 0,
        f1: 0,
        is_correct: 0,
      });
    }
  });

  it("serialises like the original's JSON (null for a missing answer)", () => {
    expect(JSON.stringify(scoreTrajectory("x", ["y"]))).toBe(
      '{"text":"x","extracted_answer":null,"sub_em":0,"em":0,"f1":0,"is_correct":0}',
    );
  });

  it("rewards \\boxed{a} in compat mode only", () => {
    const text = "<think>hm</think>\\boxed{a}";
    expect(scoreTrajectory(text, ["Oslo"], { mode: "compat" }).is_correct).toBe(1);
    expect(scoreTrajectory(text, ["Oslo"]).is_correct).toBe(0);
    expect(scoreTrajectory(text, ["Oslo"]).extracted_answer).toBe("a");
  });

  it("uses the answer-is extractor on request", () => {
    const text = "Oslo is the capital. So the answer is **Oslo**.";
    expect(scoreTrajectory(text, ["Oslo"], { extractor: "answer-is" })).toMatchObject({
      extracted_answer: "Oslo",
      is_correct: 1,
    });
    expect(scoreTrajectory(text, ["Oslo"], { extractor: "thinking" }).extracted_answer).toBeNull();
  });

  it("passes aliases through in default mode", () => {
    const text = "<think>r</think>\\boxed{NYC}";
    expect(scoreTrajectory(text, ["New York City"], { aliases: ["NYC"] }).is_correct).toBe(1);
    expect(scoreTrajectory(text, ["New York City"], { mode: "compat", aliases: ["NYC"] }).is_correct).toBe(0);
  });
});
