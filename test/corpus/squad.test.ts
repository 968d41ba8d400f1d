import { describe, expect, it } from "vitest";
import { readCorpus } from "../../src/corpus/read.js";
import { parseSquadArticle } from "../../src/corpus/squad.js";
import { InputError } from "../../src/errors.js";
import { fixture, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

describe("readCorpus on SQuAD", () => {
  it("reads v2.0: the paragraph is each question's document and gold; impossible questions are skipped", async () => {
    const path = fixture("squad-v2.json");
    const corpus = await readCorpus(path);
    expect(corpus).toEqual({
      format: "squad",
      source: path,
      docs: ["Examplia is a small country. Its capital is Ville.", "Ville lies on the Ex."],
      qas: [
        {
          id: "sq-1",
          question: "What is the capital of Examplia?",
          answers: ["Ville", "Ville."],
          aliases: [],
          docs: [0],
          gold: [0],
          hops: 1,
          sourcePosition: 0,
        },
        {
          id: "sq-3",
          question: "On which river does Ville lie?",
          answers: ["the Ex"],
          aliases: [],
          docs: [1],
          gold: [1],
          hops: 1,
          sourcePosition: 2,
        },
      ],
      skipped: { impossible: 1, empty_paragraph: 1, no_supporting: 1 },
      dropped: [
        {
          reason: "impossible",
          count: 1,
          places: [{ file: path, id: "sq-2", field: "data[0].paragraphs[0].qas[1]" }],
        },
        {
          reason: "no_supporting",
          count: 1,
          places: [{ file: path, id: "sq-4", field: "data[1].paragraphs[0].qas[0]" }],
        },
      ],
    });
  });

  it("reads v1.1, which has no is_impossible field", async () => {
    const corpus = await readCorpus(fixture("squad-v1.json"));
    expect(corpus.qas.map((qa) => [qa.id, qa.answers, qa.docs])).toEqual([["v1-1", ["the Ex"], [0]]]);
    expect(corpus.docs).toEqual(["Ville lies on the Ex."]);
  });

  it.each([
    [
      '{"version": "1.1"}',
      'Cannot read "FILE": expected a SQuAD object with a "data" array of articles, found no "data" field',
    ],
    ['{"data": {"title": "x"}}', 'Cannot read "FILE", field "data": expected an array of articles'],
    ['{"data": [{"title": "A", "paragraphs": []}, {"ti', 'Cannot read "FILE": not valid JSON: '],
  ])("rejects %j", async (content, message) => {
    const path = await write("squad.json", content);
    const error = await readCorpus(path, { format: "squad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message.startsWith(message.replace("FILE", path))).toBe(true);
  });
});

describe("parseSquadArticle", () => {
  const article = (qa: object) => ({
    value: { title: "T", paragraphs: [{ context: "C.", qas: [{ id: "q1", question: "Q?", ...qa }] }] },
    index: 4,
    place: { file: "squad.json" },
  });

  it.each([
    [
      { answers: [] },
      'field "data[4].paragraphs[0].qas[0].answers": expected at least one answer for a question that is not impossible',
    ],
    [
      { answers: [{ text: 5 }] },
      'field "data[4].paragraphs[0].qas[0].answers[0].text": expected a string, got a number (5)',
    ],
    [
      { answers: [{ text: "x" }], is_impossible: "no" },
      'field "data[4].paragraphs[0].qas[0].is_impossible": expected a boolean, got a string ("no")',
    ],
  ])("names the field path and question id: %#", (qa, detail) => {
    expect(() => parseSquadArticle(article(qa))).toThrow(`Cannot read "squad.json" (id "q1"), ${detail}`);
  });
});
