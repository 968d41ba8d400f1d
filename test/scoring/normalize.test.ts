import { describe, expect, it } from "vitest";
import { answerTokens, normalizeAnswer, normalizeAnswerCompat } from "../../src/scoring/index.js";

describe("normalizeAnswer (SQuAD order)", () => {
  // §10.6 normalisation cases of the original's test_scoring.py hold for both variants.
  it.each([
    ["The answer", "answer"],
    ["a cat and an owl", "cat and owl"],
    ["Arthur's Magazine", "arthurs magazine"],
    ["  foo   bar  ", "foo bar"],
  ])("normalises %j to %j in both variants", (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
    expect(normalizeAnswerCompat(input)).toBe(expected);
  });

  it.each([
    // input, SQuAD, compat (articles before punctuation)
    ["the-end", "theend", "end"],
    ["a'b", "ab", "b"],
    ["(A)", "", ""],
    ["\\boxed{x}", "boxedx", "boxedx"],
    ["Théâtre the", "théâtre", "théâtre"],
    ["éthe", "éthe", "éthe"], // Python's \b is Unicode-aware: no boundary between é and t
    ["the\u00a0end", "end", "end"], // Python's split() counts NBSP as whitespace
    ["x\u001cy", "x y", "x y"], // …and U+001C, which JS \s does not
    ["a\ufeffb", "\ufeffb", "\ufeffb"], // …but not U+FEFF (JS \s does), which is no word char either
  ])("normalises %j to %j (SQuAD) and %j (compat)", (input, squad, compat) => {
    expect(normalizeAnswer(input)).toBe(squad);
    expect(normalizeAnswerCompat(input)).toBe(compat);
  });
});

describe("answerTokens (default mode)", () => {
  it.each([
    ["Arthur's Magazine", ["arthurs", "magazine"]],
    ["The Beatles", ["beatles"]],
    ["(A)", ["a"]],
    ["A", ["a"]],
    ["The", ["the"]],
    [")", [")"]],
    ["> > }", [">", ">", "}"]],
    [".", ["."]],
    ["   ", []],
    ["", []],
  ])("tokenises %j as %j", (input, expected) => {
    expect(answerTokens(input)).toEqual(expected);
  });
});
