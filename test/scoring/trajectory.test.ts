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

  it.each<[string, string, string | null]>([
    ["the answer alone", "\n\n\\boxed{Oslo}", "Oslo"],
    ["the last box wins", "\\boxed{Bergen} or rather **\\boxed{Oslo}**", "Oslo"],
    ["a </think> left in the text: the box after it", "\\boxed{Bergen}</think>\\boxed{Oslo}", "Oslo"],
    ["a </think> left in the text: none after it", "\\boxed{Oslo}</think>no box", null],
    ["no box", "Oslo.", null],
    ["empty text", "", null],
  ])(
    "with separate reasoning, the thinking extractor reads the text as the part after </think>: %s",
    (_, text, extracted) => {
      const scored = scoreTrajectory(text, ["Oslo"], { reasoning: "thinking about Norway" });
      expect(scored.extracted_answer).toBe(extracted);
      expect(scored.is_correct).toBe(extracted === "Oslo" ? 1 : 0);
      expect(scored.reasoning_content).toBe("thinking about Norway");
    },
  );

  it("puts reasoning_content after is_correct, only when reasoning was given", () => {
    const text = "\\boxed{Oslo}";
    expect(JSON.stringify(scoreTrajectory(text, ["Oslo"], { reasoning: "" }))).toBe(
      '{"text":"\\\\boxed{Oslo}","extracted_answer":"Oslo","sub_em":1,"em":1,"f1":1,"is_correct":1,"reasoning_content":""}',
    );
    expect(Object.keys(scoreTrajectory(text, ["Oslo"]))).not.toContain("reasoning_content");
    expect(scoreTrajectory(text, ["Oslo"]).extracted_answer).toBeNull();
  });

  it("the answer-is extractor ignores the separate reasoning except to record it", () => {
    const text = "So the answer is Oslo.";
    const options = { extractor: "answer-is" as const };
    const scored = scoreTrajectory(text, ["Oslo"], { ...options, reasoning: "the answer is Bergen." });
    expect(scored).toEqual({
      ...scoreTrajectory(text, ["Oslo"], options),
      reasoning_content: "the answer is Bergen.",
    });
  });
});
