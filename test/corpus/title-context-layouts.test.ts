import { describe, expect, it } from "vitest";
import { parseHotpotQaRecord } from "../../src/corpus/hotpotqa.js";
import type { RawRecord } from "../../src/corpus/raw-record.js";
import { parseTwoWikiRecord } from "../../src/corpus/twowiki.js";

const place = { file: "hub.parquet", record: 4 };
const raw = (value: unknown): RawRecord => ({ value, index: 3, place });

const common = {
  question: "Which river flows through Ville?",
  answer: "the Ex",
  type: "bridge",
  level: "hard",
};

/** One question in each layout its copies use. */
const LAYOUTS = {
  original: {
    _id: "5a8b",
    ...common,
    supporting_facts: [
      ["Ville", 0],
      ["Ville", 1],
    ],
    context: [
      ["Villeneuve", ["Villeneuve is a town."]],
      ["Ville", ["Ville is a city.", " The Ex flows through it."]],
      ["Blank", []],
    ],
  },
  "dict of lists (hotpotqa/hotpot_qa)": {
    id: "5a8b",
    ...common,
    supporting_facts: { title: ["Ville", "Ville"], sent_id: [0, 1] },
    context: {
      title: ["Villeneuve", "Ville", "Blank"],
      sentences: [["Villeneuve is a town."], ["Ville is a city.", " The Ex flows through it."], []],
    },
  },
  "dict of lists with content (2Wiki copies)": {
    _id: "5a8b",
    ...common,
    supporting_facts: { title: ["Ville", "Ville"], sent_id: [0, 1] },
    context: {
      title: ["Villeneuve", "Ville", "Blank"],
      content: [["Villeneuve is a town."], ["Ville is a city.", " The Ex flows through it."], []],
    },
  },
  "list of objects (datasets List)": {
    id: "5a8b",
    ...common,
    supporting_facts: [
      { title: "Ville", sent_id: 0 },
      { title: "Ville", sent_id: 1 },
    ],
    context: [
      { sentences: ["Villeneuve is a town."], title: "Villeneuve" },
      { sentences: ["Ville is a city.", " The Ex flows through it."], title: "Ville" },
      { sentences: [], title: "Blank" },
    ],
  },
};

/** The item without the per-layout field names of its documents. */
function content(value: unknown, parse = parseHotpotQaRecord) {
  const item = parse(raw(value));
  if (!("qa" in item)) return item;
  return {
    ...item,
    qa: { ...item.qa, documents: item.qa.documents.map(({ text, gold }) => ({ text, gold })) },
  };
}

function messageOf(value: unknown): string {
  try {
    parseHotpotQaRecord(raw(value));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

describe("the title-context layouts", () => {
  it.each(Object.entries(LAYOUTS))("%s gives the same HotpotQA and 2Wiki items", (_layout, record) => {
    expect(content(record)).toEqual(content(LAYOUTS.original));
    expect(content(record, parseTwoWikiRecord)).toEqual(content(LAYOUTS.original, parseTwoWikiRecord));
  });

  it("renders the documents of a Hub record as the original reader does", () => {
    expect(content(LAYOUTS["dict of lists (hotpotqa/hotpot_qa)"])).toEqual({
      qa: {
        id: "5a8b",
        question: "Which river flows through Ville?",
        answers: ["the Ex"],
        aliases: [],
        documents: [
          { text: "Villeneuve\nVilleneuve is a town.", gold: false },
          { text: "Ville\nVille is a city. The Ex flows through it.", gold: true },
        ],
        emptyParagraphs: 1,
        meta: { type: "bridge", level: "hard" },
      },
      place: { ...place, id: "5a8b" },
    });
  });

  it("names each document by where it is in its layout", () => {
    const fields = (record: unknown) => {
      const item = parseHotpotQaRecord(raw(record));
      return "qa" in item ? item.qa.documents.map((d) => d.field) : [];
    };
    expect(fields(LAYOUTS.original)).toEqual(["context[0]", "context[1]"]);
    expect(fields(LAYOUTS["dict of lists (hotpotqa/hotpot_qa)"])).toEqual([
      "context.sentences[0]",
      "context.sentences[1]",
    ]);
    expect(fields(LAYOUTS["list of objects (datasets List)"])).toEqual(["context[0]", "context[1]"]);
  });

  it("prefers _id to id, and reads an integer id as its digits", () => {
    const item = (over: Record<string, unknown>) =>
      parseHotpotQaRecord(raw({ ...LAYOUTS.original, ...over }));
    expect(item({ _id: "a", id: "b" }).place.id).toBe("a");
    expect(item({ _id: undefined, id: 42 }).place.id).toBe("42");
  });

  it("drops a Hub record whose supporting facts name a title its context lacks", () => {
    const record = LAYOUTS["dict of lists (hotpotqa/hotpot_qa)"];
    const item = parseHotpotQaRecord(
      raw({ ...record, supporting_facts: { title: ["Ville", "Elsewhere"], sent_id: [0, 0] } }),
    );
    expect(item).toEqual({ skip: "unknown_supporting_title", place: { ...place, id: "5a8b" } });
  });

  const at = 'Cannot read "hub.parquet" record 4 (id "5a8b"), field';
  const hubRecord = LAYOUTS["dict of lists (hotpotqa/hotpot_qa)"];
  const listRecord = LAYOUTS["list of objects (datasets List)"];
  it.each([
    [{ ...hubRecord, context: "Ville" }, `${at} "context": expected an array, got a string ("Ville")`],
    [
      { ...hubRecord, context: { title: "Ville", sentences: [] } },
      `${at} "context.title": expected an array, got a string ("Ville")`,
    ],
    [
      { ...hubRecord, context: { title: ["Ville"] } },
      `${at} "context.sentences": expected an array, but the field is missing`,
    ],
    [
      { ...hubRecord, context: { title: ["Ville"], content: [["a"], ["b"]] } },
      `${at} "context.content": expected one list of sentences per title: 2 lists for the 1 titles of "context.title"`,
    ],
    [
      { ...hubRecord, context: { title: ["Ville"], sentences: [["a", null]] } },
      `${at} "context.sentences[0][1]": expected a string, got null`,
    ],
    [
      { ...listRecord, context: [{ title: "A", sentences: ["a"] }, { sentences: ["b"] }] },
      `${at} "context[1].title": expected a string, but the field is missing`,
    ],
    [
      { ...hubRecord, supporting_facts: { sent_id: [0] } },
      `${at} "supporting_facts.title": expected an array, but the field is missing`,
    ],
    [
      { ...listRecord, supporting_facts: [{ title: null, sent_id: 0 }] },
      `${at} "supporting_facts[0].title": expected a string, got null`,
    ],
    [{ ...hubRecord, question: null }, `${at} "question": expected a string, got null`],
  ])("rejects bad Hub input: %#", (value, message) => {
    expect(messageOf(value)).toBe(message);
  });
});
