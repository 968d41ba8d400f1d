import { describe, expect, it } from "vitest";
import { CorpusBuilder } from "../../src/corpus/corpus-builder.js";
import type { SourceItem, SourceQa } from "../../src/corpus/source-qa.js";
import { InputError } from "../../src/errors.js";

function qa(id: string, documents: [string, boolean][], extra: Partial<SourceQa> = {}, line = 1): SourceItem {
  return {
    qa: {
      id,
      question: `q ${id}`,
      answers: ["a"],
      aliases: [],
      documents: documents.map(([text, gold], i) => ({ text, gold, field: `documents[${i}]` })),
      emptyParagraphs: 0,
      ...extra,
    },
    place: { file: "in.jsonl", line, id },
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
    builder.add({ skip: "unanswerable", place: { file: "in.jsonl", line: 2, id: "u" } });
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
    expect(corpus.dropped).toEqual([
      { reason: "unanswerable", count: 1, places: [{ file: "in.jsonl", line: 2, id: "u" }] },
    ]);
    expect(builder.recordsRead).toBe(3);
  });

  it("adds no documents for a record without gold, and counts its empty paragraphs", () => {
    const builder = new CorpusBuilder("musique", "m.jsonl");
    builder.add(qa("1", [["A", false]], { emptyParagraphs: 2 }));
    expect(builder.finish()).toMatchObject({
      docs: [],
      qas: [],
      skipped: { no_supporting: 1, empty_paragraph: 2 },
      dropped: [{ reason: "no_supporting", count: 1, places: [{ file: "in.jsonl", line: 1, id: "1" }] }],
    });
  });

  it("refuses a repeated id, or keeps the first and drops the others", () => {
    const strict = new CorpusBuilder("jsonl", "in.jsonl");
    strict.add(qa("1", [["A", true]], {}, 1));
    expect(() => strict.add(qa("1", [["B", true]], {}, 7))).toThrow(
      new InputError(
        'the question id "1" is used twice in this data set: first at line 1, again at line 7. Ids must be unique within a data set; --duplicate-ids keep-first (duplicateIds: "keep-first") keeps the first and counts the others as dropped',
        { file: "in.jsonl", line: 7, id: "1" },
      ),
    );
    const lenient = new CorpusBuilder("jsonl", "in.jsonl", { duplicateIds: "keep-first" });
    lenient.add(qa("1", [["A", true]], {}, 1));
    lenient.add(qa("1", [["B", true]], {}, 7));
    const corpus = lenient.finish();
    expect([corpus.docs, corpus.qas.map((q) => q.id)]).toEqual([["A"], ["1"]]);
    expect(corpus.dropped).toEqual([
      { reason: "duplicate_id", count: 1, places: [{ file: "in.jsonl", line: 7, id: "1" }] },
    ]);
  });

  it("counts a dropped record's id as unused: its twin may be kept", () => {
    const builder = new CorpusBuilder("musique", "m.jsonl");
    builder.add({ skip: "unanswerable", place: { file: "m.jsonl", line: 1, id: "1" } });
    builder.add(qa("1", [["A", false]], {}, 2));
    builder.add(qa("1", [["A", true]], {}, 3));
    expect(builder.finish().qas.map((q) => q.sourcePosition)).toEqual([2]);
  });
});
