import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_LAYOUT, parseLayout, renderContext, renderContextJson } from "../../src/compose/layout.js";
import { escapedBody } from "../../src/io/json-line.js";
import {
  insertAt,
  insertAtJson,
  insertionPoints,
  insertionText,
  isAbbreviation,
} from "../../src/keychain/insertion.js";
import { serializePair } from "../../src/keychain/pairs.js";

const PAIR = serializePair("k1", "v1");

/** Points of a single-document context, with the text before and after each point. */
function around(doc: string) {
  const ctx = renderContext(DEFAULT_LAYOUT, [doc]);
  return insertionPoints([doc], DEFAULT_LAYOUT, true).map((p) => ({
    kind: p.kind,
    before: ctx.slice(0, p.at),
    after: ctx.slice(p.at, p.at + 8),
  }));
}

describe("insertionPoints", () => {
  it.each([
    ["a decimal", "Town\nIt has 2.1 million people. Next one.", ["people. "]],
    ["initials", "Author\nBooks by J. K. Varlo sold well. Then came more.", ["sold well. "]],
    ["abbreviations", "Place\nDr. Ames met Mr. Bo at St. Paul. They spoke.", ["at St. Paul. "]],
    ["a dotted acronym", "Army\nThe U.S. Army grew. It was large.", ["Army grew. "]],
    ["a URL", "Press\nSee www.varlo.example for more. Also this.", ["e for more. "]],
    ["e.g.", "List\nSome, e.g. These ones. Others.", ["These ones. "]],
    ["lower-case continuation", "T\nIt cost approx. 86 dollars. Fine.", ["6 dollars. "]],
    ["question and exclamation marks", "T\nIs it? Yes! It is.", ["T\nIs it? ", "T\nIs it? Yes! "]],
    ["a closing quote", 'T\nHe said "go." Then left.', ['e said "go." ']],
  ])("with %s: sentence points only at true sentence ends", (_name, doc, expected) => {
    const sentence = around(doc).filter((p) => p.kind === "sentence");
    expect(sentence).toHaveLength(expected.length);
    for (const [i, p] of sentence.entries()) expect(p.before.endsWith(expected[i]!), p.before).toBe(true);
  });

  it("never places a point between a passage header and its title, or between title and text", () => {
    const docs = ["Title One\nBody one. More here.", "Title Two\nBody two.\nSecond line."];
    const ctx = renderContext(DEFAULT_LAYOUT, docs);
    const pts = insertionPoints(docs, DEFAULT_LAYOUT, false);
    for (const p of pts) {
      expect(ctx.slice(p.at - "Passage 1:\n".length, p.at)).not.toMatch(/^Passage \d+:\n$/);
      expect(ctx.slice(p.at, p.at + 5)).not.toBe("Body ");
    }
    // line points: before passage 2 (after the blank line) and at the second body line
    expect(pts.filter((p) => p.kind === "line").map((p) => ctx.slice(p.at, p.at + 7))).toEqual([
      "Passage",
      "Second ",
    ]);
  });

  it("a leading line point exists only when the text before the context ends a line", () => {
    expect(insertionPoints(["T\nx"], DEFAULT_LAYOUT, true).some((p) => p.at === 0)).toBe(true);
    expect(insertionPoints(["T\nx"], DEFAULT_LAYOUT, false).some((p) => p.at === 0)).toBe(false);
  });

  it("keeps the blank line between passages and never glues a pair to the next word", () => {
    const docs = ["A\nOne. Two.", "B\nThree. Four."];
    const ctx = renderContext(DEFAULT_LAYOUT, docs);
    const pts = insertionPoints(docs, DEFAULT_LAYOUT, true);
    const out = insertAt(
      ctx,
      pts.map((p) => ({ at: p.at, text: insertionText(PAIR, p.kind) })),
    );
    expect(out).toContain('.\n\n{"k1": "v1"}.\nPassage 2:\n');
    expect(out).toContain('One. {"k1": "v1"}. Two.');
    expect(out).not.toMatch(/\}\.[^\s]/);
  });
});

describe("isAbbreviation", () => {
  it.each([
    ["J", true],
    ["Dr", true],
    ["approx", true],
    ["U.S", true],
    ['"e.g', true],
    ["city", false],
    ["1990", false],
    ["Paul", false],
  ])("%s → %s", (w, expected) => {
    expect(isAbbreviation(w)).toBe(expected);
  });
});

const sentence = fc
  .array(
    fc.constantFrom(
      "Alpha",
      "beta",
      "J.",
      "K.",
      "2.1",
      "U.S.",
      "Dr.",
      "approx.",
      "city",
      "St.",
      "www.x.example",
      '"q"',
      "(b)",
      "é",
      "中",
    ),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .chain((ws) => fc.constantFrom(".", "?", "!", "").map((end) => ws.join(" ") + end));
const doc = fc
  .tuple(
    fc.constantFrom("Title", "Other Title", "T. Rex"),
    fc.array(sentence, { minLength: 1, maxLength: 6 }),
    fc.boolean(),
  )
  .map(
    ([title, sents, lines]) =>
      `${title}\n${sents.map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join(lines ? "\n" : " ")}`,
  );

describe("insertion property", () => {
  it("removing every inserted pair gives back the plain context byte for byte", () => {
    fc.assert(
      fc.property(
        fc.array(doc, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (docs, frac) => {
          const ctx = renderContext(DEFAULT_LAYOUT, docs);
          const pts = insertionPoints(docs, DEFAULT_LAYOUT, true);
          const chosen = pts.filter((_, i) => (i * 7919) % 100 < frac * 100);
          const inserts = chosen.map((p, i) => ({
            at: p.at,
            text: insertionText(serializePair(`key${i}`, `Q "${i}"?`), p.kind),
          }));
          let out = insertAt(ctx, inserts);
          for (const ins of inserts) out = out.replace(ins.text, "");
          expect(out).toBe(ctx);
          // No inserted pair splits a number or sits right after a header.
          const marked = insertAt(
            ctx,
            chosen.map((p) => ({ at: p.at, text: "§" })),
          );
          expect(marked).not.toMatch(/\d§\d|\d\.§|Passage \d+:\n§/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("insertAtJson", () => {
  const layouts = [DEFAULT_LAYOUT, parseLayout('Doc "{i}":\n', "\n\n")];

  it("is the escaped context with the pairs, from the escaped context, wherever the pairs go", () => {
    fc.assert(
      fc.property(
        fc.array(doc, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...layouts),
        fc.boolean(),
        (docs, frac, layout, leading) => {
          const ctx = renderContext(layout, docs);
          const bodies = docs.map(escapedBody);
          const json = renderContextJson(layout, bodies) as Uint8Array;
          const pts = insertionPoints(docs, layout, leading);
          const chosen = pts.filter((_, i) => (i * 7919) % 100 < frac * 100);
          const inserts = chosen.map((p, i) => ({
            at: p.at,
            text: insertionText(serializePair(`key${i}`, `Q "${i}" é\\?`), p.kind),
          }));
          const out = insertAtJson(json, layout, docs, bodies, inserts.reverse()) as Uint8Array;
          expect(Buffer.from(out).toString()).toBe(escapedBody(insertAt(ctx, inserts)).toString());
        },
      ),
      { numRuns: 300, seed: 31 },
    );
  });

  it("gives nothing for an insert inside a header, which it cannot place", () => {
    const docs = ["Title\nText. More text."];
    const json = renderContextJson(DEFAULT_LAYOUT, docs.map(escapedBody)) as Uint8Array;
    const inside = [{ at: 3, text: "x. " }];
    expect(insertAtJson(json, DEFAULT_LAYOUT, docs, docs.map(escapedBody), inside)).toBeUndefined();
    const start = [{ at: 0, text: "x.\n" }];
    expect(
      Buffer.from(insertAtJson(json, DEFAULT_LAYOUT, docs, docs.map(escapedBody), start) as Uint8Array),
    ).toEqual(escapedBody(insertAt(renderContext(DEFAULT_LAYOUT, docs), start)));
  });
});
