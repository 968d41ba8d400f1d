import { describe, expect, it } from "vitest";
import { CorpusBuilder } from "../../src/corpus/corpus-builder.js";
import type { SourceQa } from "../../src/corpus/source-qa.js";

function qa(id: string, documents: [string, boolean][], extra: Partial<SourceQa> = {}): { qa: SourceQa } {
  return {
    qa: {
      id,
      question: `q ${id}`,
      answers: ["a"],
      aliases: [],
      documents: documents.map(([text, gold]) => ({ text, gold })),
      emptyParagraphs: 0,
      ...extra,
    },
  };
}

describe("CorpusBuilder", () => {
  it("dedups within and across records, keeping source order for docs and gold", () => {
    const builder = new CorpusBuilder("jsonl", "in.jsonl");
    builder.add(
      qa("1", [
        ["B", false],
        ["A", true],
        ["B", true],
        ["C", false],
      ]),
    );
    builder.add({ skip: "unanswerable" });
    builder.add(
      qa(
        "2",
        [
          ["C", true],
          ["D", false],
          ["A", false],
        ],
        { hops: 4, meta: { type: "x" } },
      ),
    );
    const corpus = builder.finish();
    expect(corpus.docs).toEqual(["B", "A", "C", "D"]);
    expect(corpus.qas).toEqual([
      {
        id: "1",
        question: "q 1",
        answers: ["a"],
        aliases: [],
        docs: [0, 1, 2],
        gold: [0, 1],
        hops: 2,
        sourcePosition: 0,
      },
      {
        id: "2",
        question: "q 2",
        answers: ["a"],
        aliases: [],
        docs: [2, 3, 1],
        gold: [2],
        hops: 4,
        sourcePosition: 2,
        meta: { type: "x" },
      },
    ]);
    expect(corpus.skipped).toEqual({ unanswerable: 1 });
    expect(builder.recordsRead).toBe(3);
  });

  it("adds no documents for a record without gold, and counts its empty paragraphs", () => {
    const builder = new CorpusBuilder("musique", "m.jsonl");
    builder.add(qa("1", [["A", false]], { emptyParagraphs: 2 }));
    expect(builder.finish()).toMatchObject({
      docs: [],
      qas: [],
      skipped: { no_supporting: 1, empty_paragraph: 2 },
    });
  });
});
