import { describe, expect, it } from "vitest";
import {
  extractAnswerIsAnswer,
  extractFirstAnswerIs,
  extractThinkingAnswer,
  lastBoxedOnlyString,
  removeBoxed,
} from "../../src/scoring/index.js";

describe("extractThinkingAnswer", () => {
  // §10.6 extraction cases of the original's test_scoring.py, then further behaviour of the same rule.
  it.each([
    ["basic", "<think>some reasoning</think>\\boxed{Arthur's Magazine}", "Arthur's Magazine"],
    ["without </think>", "\\boxed{foo}", null],
    ["without a box", "<think>hmm</think>The answer is foo", null],
    ["uses the last </think>", "<think>a</think><think>b</think>\\boxed{final}", "final"],
    ["strips asterisks", "<think>r</think>**\\boxed{yes}**", "yes"],
    ["ignores boxes before the last </think>", "<think>\\boxed{early}</think>no box here", null],
    ["takes the last box", "<think>r</think>\\boxed{one} then \\boxed{two}", "two"],
    ["keeps nested braces", "<think>r</think>\\boxed{A {b} c}", "A {b} c"],
    ["keeps deeply nested LaTeX", "<think>r</think>\\boxed{\\frac{4}{3}}", "\\frac{4}{3}"],
    ["returns null for an unclosed box", "<think>r</think>\\boxed{open", null],
    ["removes asterisks inside the box", "<think>r</think>\\boxed{**bold**}", "bold"],
    ["returns an empty box as empty", "<think>r</think>\\boxed{}", ""],
    ["keeps the space form's braces", "<think>r</think>\\boxed {A}", "{A}"],
    ["returns null for a bare space form", "<think>r</think>\\boxed 5", null],
    ["runs the space form to the next brace pair", "<think>r</think>\\boxed 5 and {x}", "5 and {x}"],
    ["does not treat \\fbox as a box", "<think>r</think>\\fbox{x}", null],
  ])("%s", (_name, text, expected) => {
    expect(extractThinkingAnswer(text)).toBe(expected);
  });
});

describe("lastBoxedOnlyString and removeBoxed", () => {
  it.each([
    ["x \\boxed{a} y", "\\boxed{a}"],
    ["\\boxed{a}\\boxed{b{c}}", "\\boxed{b{c}}"],
    ["\\boxed}{a}", null], // the count goes −1, 0, −1 and never returns to 0 on a closing brace
    ["no box", null],
  ])("lastBoxedOnlyString(%j) = %j", (s, expected) => {
    expect(lastBoxedOnlyString(s)).toBe(expected);
  });
  it.each([
    ["\\boxed{a}", "a"],
    ["\\boxed 5", "5"],
    ["\\boxed{a", "\\boxed{a"],
  ])("removeBoxed(%j) = %j", (s, expected) => {
    expect(removeBoxed(s)).toBe(expected);
  });
});

describe("extractAnswerIsAnswer", () => {
  it.each([
    ["plain sentence", "Reasoning. So the answer is Paris.", "Paris"],
    ["uses the LAST occurrence", "The answer is A. Wait, no: the answer is B.", "B"],
    ["case-insensitive", "THE ANSWER IS (C).", "(C)"],
    ["strips bold", "So **the answer is** **Oslo**.", "Oslo"],
    ["strips a leading colon", "The answer is: 42", "42"],
    ["cuts at the first newline", "The answer is Rome\nbecause…", "Rome"],
    ["keeps a period not followed by whitespace", "The answer is 3.14.", "3.14"],
    ["keeps abbreviations joined by periods", "The answer is U.S.A. today", "U.S.A"],
    ["returns null when the phrase is missing", "The final answer: 5", null],
    ["does not match 'the final answer is'", "The final answer is 5.", null],
    ["returns null when nothing follows", "So the answer is.", null],
    ["returns null for a bare phrase", "the answer is   ", null],
    // Python offsets in code points: "İ" lowercases to two characters and shifts the cut by one, which
    // here drops the emoji whole instead of splitting its surrogate pair.
    ["shifts like Python after a dotted capital I", "İThe answer is😀 * -*. ", "-"],
  ])("%s", (_name, text, expected) => {
    expect(extractAnswerIsAnswer(text)).toBe(expected);
  });
});

describe("extractFirstAnswerIs (the filter's rule)", () => {
  it.each([
    [
      "takes everything after the FIRST occurrence",
      "The answer is A. Wait, the answer is B.",
      "A. Wait, the answer is B.",
    ],
    ["strips the tail", "so the answer is   Paris \n", "Paris"],
    ["keeps asterisks and colons", "The answer is: **Oslo**", ": **Oslo**"],
    ["returns empty when absent", "no phrase here", ""],
    ["shifts like Python after a dotted capital I", "İThe answer is😀 * -*. ", "* -*."],
  ])("%s", (_name, text, expected) => {
    expect(extractFirstAnswerIs(text)).toBe(expected);
  });
});
