import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanInsertions } from "../../src/verify/insertions.js";
import { verifyRecord } from "../../src/verify/verify-record.js";
import { buildRecord, QUESTIONS } from "./make-record.js";

const P = '{"aaaa1111": "bbbb2222"}';

describe("scanInsertions", () => {
  it.each([
    ["line start", "Passage 1:\nT\nA b.\n\nPassage 2:\nC", `Passage 1:\nT\n${P}.\nA b.\n\nPassage 2:\nC`],
    ["before a passage header", "Passage 1:\nT\n\nPassage 2:\nC", `Passage 1:\nT\n\n${P}.\nPassage 2:\nC`],
    ["sentence end", "A b. C d.", `A b. ${P}. C d.`],
    ["after a closing quote", 'He said "no." Then left.', `He said "no." ${P}. Then left.`],
    ["after ! and ?", "Yes! Why? No.", `Yes! ${P}. Why? ${P}. No.`],
    ["two pairs at one point", "A b. C d.", `A b. ${P}. ${P}. C d.`],
  ])("accepts a pair at a %s", (_name, context, distractor) => {
    const scan = scanInsertions(distractor, context);
    expect(scan.removal).toEqual([]);
    expect(scan.parse).toEqual([]);
    expect(scan.pairs.length).toBeGreaterThan(0);
  });

  it.each([
    ["between header and title", "Passage 1:\nT\nA.", `Passage 1:\n${P}.\nT\nA.`],
    ["inside a number", "It has 2.1 million.", `It has 2.${P}. 1 million.`],
    ["glued without separator", "A b. C d.", `A b. ${P}.C d.`],
    ["before whitespace", "A b.\n\nC", `A b.\n${P}.\n\nC`],
    ["at the end", "A b.", `A b. ${P}. `],
    ["after two spaces", "A b.  C", `A b.  ${P}. C`],
    ["with a newline after a sentence end", "A b. C", `A b. ${P}.\nC`],
  ])("rejects a pair %s", (_name, context, distractor) => {
    const scan = scanInsertions(distractor, context);
    expect(scan.removal).toHaveLength(1);
  });

  it("accepts a line pair at the very start only when the prompt puts a newline before the context", () => {
    const scan = (leadingLine: boolean) =>
      scanInsertions(`${P}.\nPassage 1:\nT`, "Passage 1:\nT", { leadingLine });
    expect(scan(true).removal).toEqual([]);
    expect(scan(false).removal.map((p) => p.message)).toEqual([
      expect.stringContaining("at the start of the context, which the prompt does not start on a new line"),
    ]);
    expect(
      scanInsertions(`${P}. Passage 1:\nT`, "Passage 1:\nT", { leadingLine: true }).removal,
    ).toHaveLength(1);
  });

  it("treats braces and pair-shaped text that the plain context has as document text", () => {
    const context = 'Data: {"a": "b"}. And {"x": 1}. End.';
    expect(scanInsertions(context, context)).toEqual({ pairs: [], parse: [], removal: [] });
    const scan = scanInsertions(`Data: {"a": "b"}. ${P}. And {"x": 1}. End.`, context);
    expect(scan.pairs.map((p) => p.key)).toEqual(["aaaa1111"]);
    expect(scan.removal).toEqual([]);
  });

  it("resumes behind a pair that does not parse, so later pairs are still found", () => {
    const context = "A b. C d. E f.";
    const scan = scanInsertions(`A b. {"k1": "Say "hi"?"}. C d. ${P}. E f.`, context);
    expect(scan.parse).toHaveLength(1);
    expect(scan.removal).toEqual([]);
    expect(scan.pairs.map((p) => p.key)).toEqual(["aaaa1111"]);
  });

  it("after a mismatch still collects the remaining pairs", () => {
    const scan = scanInsertions(`A b. X C d. ${P}. E f.`, "A b. C d. E f.");
    expect(scan.removal).toHaveLength(1);
    expect(scan.removal[0]?.at).toBe(5);
    expect(scan.pairs.map((p) => p.key)).toEqual(["aaaa1111"]);
  });
});

describe("verifyRecord properties", () => {
  it("records built with any seed and shape pass", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom("uuid", "hex:6", "nano:10"),
        (seed, hops, idFormat) => {
          const { record } = buildRecord({ seed, hops, idFormat });
          expect(verifyRecord(record).failures).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("deleting any one character of distractor_context makes the record fail", () => {
    const { record } = buildRecord({ seed: 3, questions: QUESTIONS });
    const dc = record.distractor_context;
    const passing: number[] = [];
    for (let at = 0; at < dc.length; at++) {
      const broken = { ...record, distractor_context: dc.slice(0, at) + dc.slice(at + 1) };
      if (verifyRecord(broken).ok) passing.push(at);
    }
    expect(passing).toEqual([]);
  });
});
