import { describe, expect, it } from "vitest";
import { type AnswerScores, cem, containsRun, scoreAnswer } from "../../src/scoring/index.js";
import { pyRound4 } from "../../src/scoring/python-text.js";

const ZERO: AnswerScores = { sub_em: 0, em: 0, f1: 0 };

describe("scoreAnswer: the original's test cases (§10.6)", () => {
  // name, prediction, golds, expected (partial), and default mode's difference if any.
  const cases: [string, string | null, string[], Partial<AnswerScores>][] = [
    ["exact", "Arthur's Magazine", ["Arthur's Magazine"], { sub_em: 1, em: 1, f1: 1 }],
    ["sub_em only", "Arthur's Magazine was the first", ["Arthur's Magazine"], { sub_em: 1, em: 0 }],
    ["wrong", "First for Women", ["Arthur's Magazine"], ZERO],
    ["None", null, ["Arthur's Magazine"], ZERO],
    ["empty gold list", "foo", [], ZERO],
    ["multi-gold max", "yes", ["no", "yes"], { sub_em: 1, em: 1 }],
  ];
  it.each(cases)("%s (compat and default agree)", (_name, pred, golds, expected) => {
    const compat = scoreAnswer(pred, golds, { mode: "compat" });
    expect(compat).toMatchObject(expected);
    expect(scoreAnswer(pred, golds)).toEqual(compat);
  });

  it("partial f1 lies strictly between 0 and 1, identically in both modes", () => {
    const compat = scoreAnswer("new york city", ["new york"], { mode: "compat" });
    expect(compat).toEqual({ sub_em: 1, em: 0, f1: 0.8 });
    expect(scoreAnswer("new york city", ["new york"])).toEqual(compat);
  });

  it("the zero result is exactly the original's zero dict", () => {
    expect(scoreAnswer(null, ["x"], { mode: "compat" })).toEqual({ sub_em: 0, em: 0, f1: 0 });
    expect(scoreAnswer("", ["x"], { mode: "compat" })).toEqual({ sub_em: 0, em: 0, f1: 0 });
  });
});

describe("scoreAnswer: the W10 reward holes", () => {
  // prediction, golds, compat sub_em (the hole), default sub_em (fixed)
  it.each([
    ["a", ["Arthur's Magazine"], 1, 0],
    ["the", ["Arthur's Magazine"], 1, 0],
    [".", ["Arthur's Magazine"], 1, 0],
    ["Norway", ["no"], 1, 0],
    ["not", ["no"], 1, 0],
    ["I do not know", ["no"], 1, 0],
    ["no", ["Norway"], 1, 0],
    ["", ["Arthur's Magazine"], 0, 0], // \boxed{} → "" was caught by the original's guard already
    ["   ", ["Arthur's Magazine"], 1, 0],
    ["cat", ["(A)"], 1, 0], // a gold normalising to "" was matched by every prediction
    ["anything", [")"], 1, 0],
  ])("%j vs %j: compat sub_em %i, default %i", (pred, golds, compatSubEm, defaultSubEm) => {
    expect(scoreAnswer(pred, golds, { mode: "compat" }).sub_em).toBe(compatSubEm);
    expect(scoreAnswer(pred, golds)).toEqual({ ...ZERO, sub_em: defaultSubEm });
  });

  it("compat gives an empty-normalised prediction em 1 only against an empty-normalised gold", () => {
    expect(scoreAnswer("a", ["the"], { mode: "compat" })).toEqual({ sub_em: 1, em: 1, f1: 0 });
  });

  it("default keeps multiple-choice letters scoreable", () => {
    expect(scoreAnswer("(A)", ["(A)"])).toEqual({ sub_em: 1, em: 1, f1: 1 });
    expect(scoreAnswer("A", ["(A)"])).toEqual({ sub_em: 1, em: 1, f1: 1 });
    expect(scoreAnswer("(E)", ["(A)"])).toEqual(ZERO);
    expect(scoreAnswer("(E)", ["(A)"], { mode: "compat" }).sub_em).toBe(1);
  });
});

describe("scoreAnswer: word-boundary containment (default mode)", () => {
  it.each([
    ["Norway", "no", 0],
    ["not", "no", 0],
    ["no", "no", 1],
    ["No, it is not.", "no", 1],
    ["new york city", "New York", 1],
    ["york new", "new york", 0],
    ["the new york times", "New York", 1],
    ["Yorkshire", "York", 0],
    ["York", "New York City", 1],
    ["1990s", "1990", 0],
    ["in 1990.", "1990", 1],
    ["Paris, France", "paris", 1],
    ["Saint-Denis", "Denis", 0],
  ])("%j vs gold %j → sub_em %i", (pred, gold, expected) => {
    expect(scoreAnswer(pred, [gold]).sub_em).toBe(expected);
  });

  it.each([
    [["new", "york", "city"], ["new", "york"], true],
    [["new", "york", "city"], ["york", "city"], true],
    [["new", "york", "city"], ["new", "city"], false],
    [["a"], [], false],
    [[], ["a"], false],
  ])("containsRun(%j, %j) = %j", (haystack, needle, expected) => {
    expect(containsRun(haystack, needle)).toBe(expected);
  });
});

describe("scoreAnswer: several golds and aliases", () => {
  it("takes each metric's max over golds independently", () => {
    const scores = scoreAnswer("new york city", ["new york", "new york city area", "boston"]);
    expect(scores).toEqual({ sub_em: 1, em: 0, f1: 0.8571 });
  });

  it("counts aliases as golds in default mode", () => {
    expect(scoreAnswer("NYC", ["New York City"])).toEqual(ZERO);
    expect(scoreAnswer("NYC", ["New York City"], { aliases: ["NYC", "the Big Apple"] })).toEqual({
      sub_em: 1,
      em: 1,
      f1: 1,
    });
    expect(scoreAnswer("NYC", [], { aliases: ["NYC"] }).em).toBe(1);
  });

  it("ignores aliases in compat mode, as the original does", () => {
    expect(scoreAnswer("NYC", ["New York City"], { mode: "compat", aliases: ["NYC"] })).toEqual(ZERO);
  });

  it("skips a blank gold in default mode instead of matching everything", () => {
    expect(scoreAnswer("Paris", ["", "Paris"])).toEqual({ sub_em: 1, em: 1, f1: 1 });
    expect(scoreAnswer("Paris", [" "])).toEqual(ZERO);
    expect(scoreAnswer("Paris", [" "], { mode: "compat" }).sub_em).toBe(1);
  });

  it("em on the same tokens in another order is 0 while f1 is 1", () => {
    for (const mode of ["compat", "default"] as const) {
      expect(scoreAnswer("magazine arthur's", ["Arthur's Magazine"], { mode })).toEqual({
        sub_em: 0,
        em: 0,
        f1: 1,
      });
    }
  });

  it("the modes differ where the normalisations do (articles before or after punctuation)", () => {
    expect(scoreAnswer("theend", ["the-end x"], { mode: "compat" }).sub_em).toBe(0);
    expect(scoreAnswer("theend", ["the-end x"]).sub_em).toBe(1);
  });
});

describe("cem (the filter's one-way match)", () => {
  it.each([
    // prediction, golds, compat, default
    ["Paris", ["Paris, France"], 1, 1],
    ["Paris, France", ["Paris"], 0, 0], // one way only: a verbose tail fails
    ["", ["Paris"], 0, 0],
    ["a", ["Paris"], 1, 0], // normalises to "" after the emptiness check
    ["no", ["Norway"], 1, 0],
    ["york", ["New York"], 1, 1],
    ["Paris", [], 0, 0],
  ])("%j vs %j: compat %i, default %i", (pred, golds, compat, fixed) => {
    expect(cem(pred, golds, { mode: "compat" })).toBe(compat);
    expect(cem(pred, golds)).toBe(fixed);
  });

  it("counts aliases in default mode only", () => {
    expect(cem("NYC", ["New York City"], { aliases: ["NYC"] })).toBe(1);
    expect(cem("NYC", ["New York City"], { mode: "compat", aliases: ["NYC"] })).toBe(0);
  });
});

describe("f1 rounding matches Python round(x, 4)", () => {
  it.each([
    [0.8, 0.8],
    [2 / 3, 0.6667],
    [0.03125, 0.0312], // an exact binary tie rounds half to even
    [0.09375, 0.0938],
    [0.12345, 0.1235], // 0.12345 is stored above the tie
    [0.99995, 1], // …and this one too
    [1, 1],
    [0, 0],
  ])("pyRound4(%d) = %d", (x, expected) => {
    expect(pyRound4(x)).toBe(expected);
  });

  it("rounds f1 to four places", () => {
    expect(scoreAnswer("x y z", ["x y z d e f g"]).f1).toBe(0.6);
    expect(scoreAnswer("x y z", ["x q r"]).f1).toBe(0.3333);
  });
});
