import { describe, expect, it } from "vitest";
import { readCorpus } from "../../src/corpus/read.js";
import { parseTwoWikiRecord } from "../../src/corpus/twowiki.js";
import { fixture } from "./temp-files.js";

describe("parseTwoWikiRecord", () => {
  it("joins sentences so that words never glue, and keeps type as meta", () => {
    const item = parseTwoWikiRecord({
      value: {
        _id: "t1",
        type: "inference",
        question: "q",
        answer: "a",
        context: [["Film Y", ["Its producer.", "In France it was a hit."]]],
        supporting_facts: [["Film Y", 0]],
        evidences: [],
      },
      index: 0,
      place: { file: "2wiki.json", line: 1, record: 1 },
    });
    expect(item).toEqual({
      qa: {
        id: "t1",
        question: "q",
        answers: ["a"],
        aliases: [],
        documents: [
          { text: "Film Y\nIts producer. In France it was a hit.", gold: true, field: "context[0]" },
        ],
        emptyParagraphs: 0,
        meta: { type: "inference" },
      },
      place: { file: "2wiki.json", line: 1, record: 1, id: "t1" },
    });
  });
});

describe("readCorpus on 2WikiMultihopQA", () => {
  it("renders documents with spaces between sentences only where needed", async () => {
    const corpus = await readCorpus(fixture("2wikimqa.json"));
    expect(corpus.format).toBe("2wikimqa");
    expect(corpus.docs).toEqual([
      "Film X\nFilm X is a 2003 drama. It was directed by Ann Doe. It won no prizes.",
      "Ann Doe\nAnn Doe is a director. Her mother is Mary Doe.",
      "Unrelated\nNothing to see here.",
      "Film Y\nFilm Y is a 1999 comedy.\nIts producer. In France it was a hit.",
    ]);
    expect(corpus.qas.map((qa) => [qa.id, qa.docs, qa.gold, qa.hops, qa.meta])).toEqual([
      ["tw-1", [0, 1, 2], [0, 1], 2, { type: "compositional" }],
      ["tw-2", [3, 0], [3, 0], 2, { type: "comparison" }],
    ]);
    expect(corpus.skipped).toEqual({});
  });
});
