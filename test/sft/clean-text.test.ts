import { describe, expect, it } from "vitest";
import { cleanText } from "../../src/sft/index.js";

describe("cleanText (§11.4, cases of test_trace_cleaning.py)", () => {
  it.each([
    ["reasoning here</think>\\boxed{Paris}", "<think>reasoning here</think>Paris"],
    ["think</think>\\boxed{A {nested} answer}", "<think>think</think>A {nested} answer"],
    ["think</think>\n\\boxed{yes}", "<think>think</think>yes"],
    // reasoning is stripped like Python's str.strip (incl. \x1c and U+3000), the last </think> splits
    ["\u3000 a</think> b \x1c</think>\\boxed{c}", "<think>a</think> b</think>c"],
    // no box: the text after </think> is kept as it is (not stripped)
    ["r</think>\nThe answer is Paris.\n", "<think>r</think>\nThe answer is Paris.\n"],
    // the last box wins
    ["r</think>\\boxed{a} or \\boxed{b}", "<think>r</think>b"],
    // an unclosed box counts as no box
    ["r</think>\\boxed{a", "<think>r</think>\\boxed{a"],
  ])("%j → %j", (input, expected) => {
    expect(cleanText(input)).toBe(expected);
  });

  it("boxed content: no \\boxed left, ends with the answer", () => {
    const out = cleanText("Long reasoning about magazines.</think>\n\n\\boxed{Arthur's Magazine}");
    expect(out).not.toContain("\\boxed");
    expect(out?.endsWith("Arthur's Magazine")).toBe(true);
  });

  it.each([
    ["reasoning here</think>\\boxed{Paris}", "<think>reasoning here</think>\\boxed{Paris}"],
    ["think</think>\n\\boxed{A {nested} answer}.", "<think>think</think>\\boxed{A {nested} answer}"],
    ["r</think> no box", "<think>r</think> no box"],
  ])("keepBoxed keeps the box: %j → %j", (input, expected) => {
    expect(cleanText(input, { keepBoxed: true })).toBe(expected);
  });

  it.each(["no think tag \\boxed{x}", "", "<think>open only"])("no </think> → undefined: %j", (input) => {
    expect(cleanText(input)).toBeUndefined();
  });

  it.each<[string, string, string | undefined, string | undefined]>([
    [
      "output opening with <think>\\n (DeepSeek-R1 distills, Qwen3)",
      "<think>\nreasoning\n</think>\n\n\\boxed{x}",
      undefined,
      "<think>reasoning</think>x",
    ],
    [
      "output opening with <think>",
      "<think>reasoning</think>\\boxed{x}",
      undefined,
      "<think>reasoning</think>x",
    ],
    [
      "<think> after leading whitespace",
      " \n<think> reasoning</think>\\boxed{x}",
      undefined,
      "<think>reasoning</think>x",
    ],
    ["no leading tag", "reasoning\n</think>\n\n\\boxed{x}", undefined, "<think>reasoning</think>x"],
    [
      "a <think> inside the reasoning is kept",
      "a <think> b</think>\\boxed{x}",
      undefined,
      "<think>a <think> b</think>x",
    ],
    ["</think> missing", "<think>\nreasoning \\boxed{x}", undefined, undefined],
    ["separate reasoning", "\n\n\\boxed{x}", "\nreasoning\n", "<think>reasoning</think>x"],
    [
      "separate reasoning opening with <think>\\n",
      "\\boxed{x}",
      "<think>\nreasoning",
      "<think>reasoning</think>x",
    ],
    ["separate reasoning, the last box of the text", "\\boxed{y} no, \\boxed{x}", "r", "<think>r</think>x"],
    ["separate reasoning, </think> left in the text", "junk</think>\n\\boxed{x}", "r", "<think>r</think>x"],
    [
      "separate reasoning, no box: the text as it is",
      "\nThe answer is x.\n",
      "r",
      "<think>r</think>\nThe answer is x.\n",
    ],
    ["separate reasoning, empty", "\\boxed{x}", "", "<think></think>x"],
  ])("never <think><think>: %s", (_, text, reasoning, expected) => {
    const cleaned = cleanText(text, {}, reasoning);
    expect(cleaned).toBe(expected);
    expect(cleaned ?? "").not.toMatch(/^<think>\s*<think>/);
  });

  it("separate reasoning with keepBoxed keeps the box", () => {
    expect(cleanText("\n\n\\boxed{x}.", { keepBoxed: true }, "<think>\nr\n")).toBe(
      "<think>r</think>\\boxed{x}",
    );
  });
});
