import { describe, expect, it } from "vitest";
import { parseHotpotQaRecord } from "../../src/corpus/hotpotqa.js";
import type { RawRecord } from "../../src/corpus/raw-record.js";
import { readCorpus } from "../../src/corpus/read.js";
import { fixture } from "./temp-files.js";

const place = { file: "hotpot.json", line: 1, record: 3 };

function raw(value: unknown): RawRecord {
  return { value, index: 2, place };
}

const record = {
  _id: "5a8b",
  question: "Which river flows through Ville?",
  answer: "the Ex",
  type: "bridge",
  level: "hard",
  supporting_facts: [
    ["Ville", 0],
    ["Ville", 1],
  ],
  context: [
    ["Villeneuve", ["Villeneuve is a town."]],
    ["Ville", ["Ville is a city.", " The Ex flows through it."]],
    ["Blank", []],
  ],
};

function messageOf(value: unknown): string {
  try {
    parseHotpotQaRecord(raw(value));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("parseHotpotQaRecord", () => {
  it("renders title + concatenated sentences and marks gold by exact title", () => {
    expect(parseHotpotQaRecord(raw(record))).toEqual({
      qa: {
        id: "5a8b",
        question: "Which river flows through Ville?",
        answers: ["the Ex"],
        aliases: [],
        documents: [
          { text: "Villeneuve\nVilleneuve is a town.", gold: false, field: "context[0]" },
          { text: "Ville\nVille is a city. The Ex flows through it.", gold: true, field: "context[1]" },
        ],
        emptyParagraphs: 1,
        meta: { type: "bridge", level: "hard" },
      },
      place: { ...place, id: "5a8b" },
    });
  });

  it("omits meta when the record has neither type nor level", () => {
    const { type: _type, level: _level, ...bare } = record;
    const item = parseHotpotQaRecord(raw(bare));
    expect("qa" in item && item.qa.meta).toBeUndefined();
  });

  it("skips (and counts) a record whose supporting fact names a title missing from its context", () => {
    const item = parseHotpotQaRecord(
      raw({
        ...record,
        supporting_facts: [
          ["Ville", 0],
          ["Vil", 1],
        ],
      }),
    );
    expect(item).toEqual({ skip: "unknown_supporting_title", place: { ...place, id: "5a8b" } });
  });

  it.each([
    [
      { ...record, question: null },
      'Cannot read "hotpot.json" line 1 record 3 (id "5a8b"), field "question": expected a string, got null',
    ],
    [
      { ...record, context: [["Ville", "Ville is a city."]] },
      'Cannot read "hotpot.json" line 1 record 3 (id "5a8b"), field "context[0][1]": expected an array, got a string ("Ville is a city.")',
    ],
    [
      { ...record, context: [["Ville", ["a", 7]]] },
      'Cannot read "hotpot.json" line 1 record 3 (id "5a8b"), field "context[0][1][1]": expected a string, got a number (7)',
    ],
    [
      { ...record, supporting_facts: [[null, 0]] },
      'Cannot read "hotpot.json" line 1 record 3 (id "5a8b"), field "supporting_facts[0][0]": expected a string, got null',
    ],
    [
      { ...record, level: 3 },
      'Cannot read "hotpot.json" line 1 record 3 (id "5a8b"), field "level": expected a string, got a number (3)',
    ],
    [
      { ...record, _id: undefined },
      'Cannot read "hotpot.json" line 1 record 3, field "_id": expected the question id in "_id" (original layout) or "id" (Hugging Face layout), but the record has neither',
    ],
    [
      { ...record, _id: null },
      'Cannot read "hotpot.json" line 1 record 3, field "_id": expected a string, got null',
    ],
    [
      { ...record, _id: undefined, id: 1.5 },
      'Cannot read "hotpot.json" line 1 record 3, field "id": expected a string, got a number (1.5)',
    ],
    [[record], 'Cannot read "hotpot.json" line 1 record 3: expected an object, got an array'],
  ])("rejects bad input: %#", (value, message) => {
    expect(messageOf(value)).toBe(message);
  });
});

describe("readCorpus on HotpotQA", () => {
  it("deduplicates documents over the data set in first-seen order, and keeps gold in source order", async () => {
    const path = fixture("hotpotqa.json");
    const corpus = await readCorpus(path);
    expect(corpus).toEqual({
      format: "hotpotqa",
      source: path,
      docs: [
        "Examplia\nExamplia is a small country. Its capital is Ville.",
        "Ville\nVille is a city. The Ex flows through Ville.",
        "Villeneuve\nVilleneuve is a different town.",
        'Jean\nJean founded "Ville" in 1200. He was a \\ baker.',
      ],
      qas: [
        {
          id: "hp-1",
          question: "Which river flows through the capital of Examplia?",
          answers: ["the Ex"],
          aliases: [],
          docs: [0, 1, 2],
          gold: [0, 1],
          hops: 2,
          sourcePosition: 0,
          meta: { type: "bridge", level: "medium" },
        },
        {
          id: "hp-2",
          question: "Is Ville older than Villeneuve?",
          answers: ["yes"],
          aliases: [],
          docs: [2, 1],
          gold: [2, 1],
          hops: 2,
          sourcePosition: 1,
          meta: { type: "comparison", level: "hard" },
        },
        {
          id: "hp-3",
          question: "Who founded Ville?",
          answers: ["Jean"],
          aliases: [],
          docs: [3],
          gold: [3],
          hops: 1,
          sourcePosition: 2,
          meta: { type: "bridge", level: "easy" },
        },
      ],
      skipped: { empty_paragraph: 1 },
      dropped: [],
    });
  });

  it("reads HotpotQA records from JSON Lines too", async () => {
    const corpus = await readCorpus(fixture("hotpotqa.jsonl"));
    expect(corpus.format).toBe("hotpotqa");
    expect(corpus.qas.map((qa) => [qa.id, qa.docs, qa.gold])).toEqual([
      ["hpl-1", [0, 1], [0]],
      ["hpl-2", [2], [2]],
    ]);
  });
});
