import { describe, expect, it } from "vitest";
import { parseMusiqueRecord } from "../../src/corpus/musique.js";
import { readCorpus } from "../../src/corpus/read.js";
import { fixture } from "./temp-files.js";

const place = { file: "musique.jsonl", line: 4 };
const paragraph = { idx: 0, title: "T", paragraph_text: "Text.", is_supporting: true };
const record = {
  id: "3hop1__1_2_3",
  question: "q",
  answer: "a",
  answer_aliases: ["A"],
  paragraphs: [paragraph],
};

function parse(value: unknown) {
  return parseMusiqueRecord({ value, index: 3, place });
}

describe("parseMusiqueRecord", () => {
  it("reads hops from the id prefix and keeps answer aliases", () => {
    expect(parse(record)).toEqual({
      qa: {
        id: "3hop1__1_2_3",
        question: "q",
        answers: ["a"],
        aliases: ["A"],
        documents: [{ text: "T\nText.", gold: true, field: "paragraphs[0]" }],
        emptyParagraphs: 0,
        hops: 3,
      },
      place: { ...place, id: "3hop1__1_2_3" },
    });
  });

  it.each([
    ["2hop__1_2", 2],
    ["3hop2__1_2_3", 3],
    ["4hop2__1_2_3_4", 4],
    ["custom-id", undefined],
  ])("takes the hop count of %s as %s", (id, hops) => {
    const item = parse({ ...record, id });
    expect("qa" in item && item.qa.hops).toBe(hops);
  });

  it("skips unanswerable records without reading the rest, and treats a missing answerable as true", () => {
    expect(parse({ id: "2hop__1", answerable: false, paragraphs: "ignored" })).toEqual({
      skip: "unanswerable",
      place: { ...place, id: "2hop__1" },
    });
    expect("qa" in parse({ ...record, answerable: undefined })).toBe(true);
  });

  it.each([
    [{ ...record, answerable: "yes" }, 'field "answerable": expected a boolean, got a string ("yes")'],
    [{ ...record, answer_aliases: "A" }, 'field "answer_aliases": expected an array, got a string ("A")'],
    [
      { ...record, paragraphs: [{ ...paragraph, is_supporting: 1 }] },
      'field "paragraphs[0].is_supporting": expected a boolean, got a number (1)',
    ],
    [
      { ...record, paragraphs: [{ ...paragraph, paragraph_text: null }] },
      'field "paragraphs[0].paragraph_text": expected a string, got null',
    ],
  ])("rejects bad input: %#", (value, detail) => {
    expect(() => parse(value)).toThrow(`Cannot read "musique.jsonl" line 4 (id "3hop1__1_2_3"), ${detail}`);
  });
});

describe("readCorpus on MuSiQue", () => {
  it("keeps answerable records only, adds only their documents, and counts what it skipped", async () => {
    const corpus = await readCorpus(fixture("musique.jsonl"));
    expect(corpus.format).toBe("musique");
    expect(corpus.docs).toEqual([
      "Ville\nThe Ex flows through Ville.",
      "Noise\nNoise paragraph.",
      "Jean\nJean founded Ville.",
      "Examplia\nExamplia's river is the Ex.",
    ]);
    expect(corpus.qas.map((qa) => [qa.id, qa.docs, qa.gold, qa.hops, qa.aliases, qa.sourcePosition])).toEqual(
      [
        ["2hop__11_22", [0, 1, 2], [0, 2], 2, ["Jean of Ville"], 0],
        ["3hop1__1_2_3", [1, 3], [3], 3, [], 2],
      ],
    );
    expect(corpus.skipped).toEqual({ unanswerable: 1, empty_paragraph: 2, no_supporting: 1 });
  });
});
