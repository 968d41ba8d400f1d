import { describe, expect, it } from "vitest";
import { parseGenericRecord } from "../../src/corpus/generic.js";
import { readCorpus } from "../../src/corpus/read.js";
import { fixture } from "./temp-files.js";

const record = {
  id: "g",
  question: "q",
  answers: ["a"],
  documents: [{ title: "T", text: "Text." }, { text: "Other." }],
  supporting: [1],
};

function parse(value: unknown) {
  return parseGenericRecord({ value, index: 0, place: { file: "mine.jsonl", line: 2 } });
}

describe("parseGenericRecord", () => {
  it("renders documents with or without a title and marks supporting indices as gold", () => {
    expect(parse(record)).toEqual({
      qa: {
        id: "g",
        question: "q",
        answers: ["a"],
        aliases: [],
        documents: [
          { text: "T\nText.", gold: false, field: "documents[0]" },
          { text: "Other.", gold: true, field: "documents[1]" },
        ],
        emptyParagraphs: 0,
      },
      place: { file: "mine.jsonl", line: 2, id: "g" },
    });
  });

  it.each([
    [
      { ...record, supporting: [0, 2] },
      'field "supporting[1]": index 2 is out of range: the record has 2 documents',
    ],
    [
      { ...record, supporting: [] },
      'field "supporting": expected at least one supporting document index, got an empty array',
    ],
    [
      { ...record, supporting: ["0"] },
      'field "supporting[0]": expected a non-negative integer, got a string ("0")',
    ],
    [
      { ...record, documents: [{ title: "T", text: " " }] },
      'field "documents[0].text": the document is empty (its text is blank)',
    ],
    [{ ...record, answers: [] }, 'field "answers": expected at least one answer, got an empty array'],
    [{ ...record, answers: "a" }, 'field "answers": expected an array, got a string ("a")'],
    [{ ...record, hops: 0 }, 'field "hops": expected a positive integer, got 0'],
    [
      { ...record, documents: [{ title: 1, text: "x" }] },
      'field "documents[0].title": expected a string, got a number (1)',
    ],
  ])("rejects bad input instead of skipping it: %#", (value, detail) => {
    expect(() => parse(value)).toThrow(`Cannot read "mine.jsonl" line 2 (id "g"), ${detail}`);
  });
});

describe("readCorpus on generic JSON Lines", () => {
  it("reads documents, answers, aliases and hops", async () => {
    const corpus = await readCorpus(fixture("generic.jsonl"));
    expect(corpus.format).toBe("jsonl");
    expect(corpus.docs).toEqual([
      "Ex\nThe Ex flows through Ville.",
      "An untitled note.",
      "Indented text.",
      "Jean\nJean founded Ville.",
    ]);
    expect(corpus.qas).toEqual([
      {
        id: "g-1",
        question: "Where does the Ex flow?",
        answers: ["Ville", "through Ville"],
        aliases: ["Ville city"],
        docs: [0, 1, 2],
        gold: [0],
        hops: 1,
        sourcePosition: 0,
      },
      {
        id: "g-2",
        question: "Who founded Ville?",
        answers: ["Jean"],
        aliases: [],
        docs: [3, 0],
        gold: [3, 0],
        hops: 2,
        sourcePosition: 1,
      },
    ]);
  });
});
