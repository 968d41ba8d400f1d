import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  answerTokens,
  cem,
  normalizeAnswer,
  normalizeAnswerCompat,
  scoreAnswer,
} from "../../src/scoring/index.js";

// Words on which the two normalisations agree (no article glued to a word by punctuation, see the
// "the-end" case in metrics.test.ts), mixing articles, prefixes of each other, case and punctuation.
const WORD = fc.constantFrom(
  "no",
  "No",
  "not",
  "Norway",
  "a",
  "A",
  "an",
  "the",
  "The",
  "(A)",
  "(B)",
  "b.",
  "yes",
  "new",
  "York",
  "york,",
  "city",
  "Arthur's",
  "magazine",
  "1990",
  "1990s",
  ".",
  "-",
  "“x”",
  "é",
);
const ANSWER = fc.array(WORD, { maxLength: 6 }).map((words) => words.join(" "));
const GOLDS = fc.array(ANSWER, { maxLength: 3 });

describe("scoring properties", () => {
  it("the chosen words normalise alike in both variants", () => {
    fc.assert(fc.property(ANSWER, (a) => normalizeAnswer(a) === normalizeAnswerCompat(a)));
  });

  it("default sub_em ≤ compat sub_em for non-empty predictions", () => {
    fc.assert(
      fc.property(ANSWER, GOLDS, (pred, golds) => {
        fc.pre(pred !== "");
        const fixed = scoreAnswer(pred, golds);
        const compat = scoreAnswer(pred, golds, { mode: "compat" });
        expect(fixed.sub_em).toBeLessThanOrEqual(compat.sub_em);
      }),
    );
  });

  it("default cem ≤ compat cem", () => {
    fc.assert(
      fc.property(ANSWER, GOLDS, (pred, golds) => {
        expect(cem(pred, golds)).toBeLessThanOrEqual(cem(pred, golds, { mode: "compat" }));
      }),
    );
  });

  it("em ⇒ sub_em, and cem ⇒ sub_em, in both modes", () => {
    fc.assert(
      fc.property(ANSWER, GOLDS, fc.constantFrom("default", "compat" as const), (pred, golds, mode) => {
        const scores = scoreAnswer(pred, golds, { mode });
        if (scores.em === 1) expect(scores.sub_em).toBe(1);
        if (pred !== "" && cem(pred, golds, { mode }) === 1) expect(scores.sub_em).toBe(1);
      }),
    );
  });

  it("default mode: em ⇒ f1 = 1, and f1 = 1 ⇒ em or the same tokens in another order", () => {
    const sorted = (s: string) => [...answerTokens(s)].sort().join(" ");
    fc.assert(
      fc.property(ANSWER, GOLDS, (pred, golds) => {
        const scores = scoreAnswer(pred, golds);
        if (scores.em === 1) expect(scores.f1).toBe(1);
        if (scores.f1 === 1 && scores.em === 0) {
          expect(golds.some((gold) => sorted(gold) === sorted(pred))).toBe(true);
        }
      }),
    );
  });

  it("metrics stay in range and a blank prediction scores nothing in default mode", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 3 }), (pred, golds) => {
        const scores = scoreAnswer(pred, golds);
        expect(scores.f1).toBeGreaterThanOrEqual(0);
        expect(scores.f1).toBeLessThanOrEqual(1);
        if (answerTokens(pred).length === 0) expect(scores).toEqual({ sub_em: 0, em: 0, f1: 0 });
      }),
    );
  });
});
