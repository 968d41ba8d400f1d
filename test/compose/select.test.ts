import { describe, expect, it } from "vitest";
import { DEFAULT_LAYOUT } from "../../src/compose/layout.js";
import { selectDocuments } from "../../src/compose/select.js";
import { SizedCorpus } from "../../src/compose/sized-corpus.js";
import { Rng } from "../../src/rng.js";
import { wordCounter } from "../support/word-counter.js";

/** Documents of 1..30 words, three of each size; doc d has (d % 30) + 1 words. */
function corpus(): SizedCorpus {
  const docs = Array.from({ length: 90 }, (_, d) =>
    `T${d}\n${Array.from({ length: d % 30 }, (_, w) => `w${w}`).join(" ")}`.trim(),
  );
  const units = Uint32Array.from(docs, (doc) => (doc.match(/\S+/g) ?? []).length);
  return new SizedCorpus(docs, units, DEFAULT_LAYOUT);
}

async function ready(budget: number) {
  const sized = corpus();
  await sized.ensureHeaders(sized.maxPassages(budget) + 1, wordCounter());
  return sized;
}

// Word counter: each header "Passage k:\n" is 2 tokens; doc d is (d % 30) + 1 tokens.
describe("selectDocuments budget edge cases", () => {
  it.each([
    // own docs, gold, budget, fixed, expected outcome
    {
      name: "gold exactly fits",
      own: [9, 19],
      gold: [9, 19],
      budget: 2 * 2 + 10 + 20 + 3,
      fixed: 3,
      fill: false,
      est: 37,
    },
    {
      name: "one token short of the gold",
      own: [9, 19],
      gold: [9, 19],
      budget: 36,
      fixed: 3,
      fill: false,
      skip: /need 37 tokens.*budget of 36/,
    },
    {
      name: "relevant-only never adds",
      own: [9, 19, 5],
      gold: [9],
      budget: 500,
      fixed: 0,
      fill: false,
      est: 12,
    },
    { name: "fills to the exact budget", own: [9], gold: [9], budget: 200, fixed: 5, fill: true, est: 200 },
    {
      name: "fixed cost alone exceeds the budget",
      own: [0],
      gold: [0],
      budget: 10,
      fixed: 11,
      fill: true,
      skip: /over the budget/,
    },
  ])("$name", async (c) => {
    const sized = await ready(c.budget);
    const sel = selectDocuments(
      sized,
      { own: c.own, gold: c.gold, budget: c.budget, fixed: c.fixed, fill: c.fill },
      Rng.derive(c.name),
    );
    if (c.skip) {
      expect(typeof sel).toBe("string");
      expect(sel).toMatch(c.skip);
      return;
    }
    if (typeof sel === "string") throw new Error(sel);
    expect(sel.estimate).toBe(c.est);
    for (const g of c.gold) expect(sel.core).toContain(g);
  });

  it("keeps own non-gold documents when they fit and drops them when they do not", async () => {
    const sized = await ready(60);
    // gold 9 (10 tokens) + header 2; own 29 is 30 tokens (+2) → fits in 60 with fixed 0; own 28 (29+2) does not after that
    const sel = selectDocuments(
      sized,
      { own: [9, 29, 28], gold: [9], budget: 60, fixed: 0, fill: true },
      Rng.derive(1),
    );
    if (typeof sel === "string") throw new Error(sel);
    expect(sel.core).toContain(9);
    expect(sel.core.filter((d) => d === 29 || d === 28)).toHaveLength(1);
    expect(sel.estimate).toBeLessThanOrEqual(60);
    expect(sel.fillers.every((d) => d !== 28 && d !== 29)).toBe(true);
  });

  it("never picks a filler twice or one of the question's own documents", async () => {
    const sized = await ready(2000);
    for (let s = 0; s < 20; s++) {
      const sel = selectDocuments(
        sized,
        { own: [1, 2, 3], gold: [1], budget: 2000, fixed: 0, fill: true },
        Rng.derive(s),
      );
      if (typeof sel === "string") throw new Error(sel);
      const all = [...sel.core, ...sel.fillers];
      expect(new Set(all).size).toBe(all.length);
      expect(sel.fillers.some((d) => d === 1 || d === 2 || d === 3)).toBe(false);
    }
  });

  it("stops cleanly when the corpus runs out of documents", async () => {
    const sized = await ready(100000);
    const sel = selectDocuments(
      sized,
      { own: [0], gold: [0], budget: 100000, fixed: 0, fill: true },
      Rng.derive(2),
    );
    if (typeof sel === "string") throw new Error(sel);
    expect(sel.core.length + sel.fillers.length).toBe(90);
  });
});
