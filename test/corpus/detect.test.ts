import { describe, expect, it } from "vitest";
import { classifyRecord, detectFormat } from "../../src/corpus/detect.js";
import { InputError } from "../../src/errors.js";
import { fixture, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

const hotpotRecord = {
  _id: "h",
  question: "q",
  answer: "a",
  type: "bridge",
  level: "easy",
  supporting_facts: [],
  context: [],
};

async function detectError(path: string): Promise<InputError> {
  const error = await detectFormat(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("detectFormat", () => {
  it.each([
    ["hotpotqa.json", "hotpotqa"],
    ["hotpotqa.jsonl", "hotpotqa"],
    ["2wikimqa.json", "2wikimqa"],
    ["musique.jsonl", "musique"],
    ["squad-v2.json", "squad"],
    ["squad-v1.json", "squad"],
    ["generic.jsonl", "jsonl"],
  ])("detects %s as %s", async (name, format) => {
    expect(await detectFormat(fixture(name))).toBe(format);
  });

  it("goes by content, not by file name", async () => {
    expect(await detectFormat(await write("musique_train.jsonl", JSON.stringify([hotpotRecord])))).toBe(
      "hotpotqa",
    );
  });

  it("accepts MuSiQue in a JSON array and 2Wiki in JSON Lines", async () => {
    const musique = [{ id: "2hop__1_2", paragraphs: [], answerable: true, question: "q", answer: "a" }];
    expect(await detectFormat(await write("m.json", JSON.stringify(musique, null, 2)))).toBe("musique");
    const twoWiki = {
      _id: "t",
      type: "inference",
      question: "q",
      answer: "a",
      context: [],
      supporting_facts: [],
    };
    expect(await detectFormat(await write("t.jsonl", `${JSON.stringify(twoWiki)}\n`))).toBe("2wikimqa");
  });

  it("reads only the start: a broken tail after the first record does not matter", async () => {
    const path = await write("tail.json", `[${JSON.stringify(hotpotRecord)}, {"broken": `);
    expect(await detectFormat(path)).toBe("hotpotqa");
  });

  it("rejects an empty file", async () => {
    for (const content of ["", " \n\t\n"]) {
      const path = await write("empty.json", content);
      expect((await detectError(path)).message).toBe(`Cannot read "${path}": file is empty`);
    }
  });

  it("names the first record's fields, the known formats and --format when nothing matches", async () => {
    const path = await write("unknown.jsonl", '{"question": "q", "answer": "a"}\n');
    const error = await detectError(path);
    expect(error.place).toEqual({ file: path });
    expect(error.message).toBe(
      `Cannot read "${path}": cannot tell the data set format: its first record has the fields "question", "answer". ` +
        'Known formats: hotpotqa (records with "_id" or "id", "context", "supporting_facts" and "level" or "type"); ' +
        '2wikimqa (records with "context", "supporting_facts" and "evidences" or a 2Wiki "type"); ' +
        'musique (records with "paragraphs" and "answerable" or "question_decomposition"); ' +
        'squad (one object with a "data" array of articles); jsonl (records with "documents"). ' +
        "Use --format to name the format.",
    );
  });

  it.each([
    ["[]", "its JSON array is empty or does not hold objects"],
    ["[1, 2]", "its JSON array is empty or does not hold objects"],
    [
      "id1\nid2\n",
      'it does not start with "[" (a JSON array), "{" (an object or JSON Lines) or "PAR1" (parquet)',
    ],
  ])("rejects %j", async (content, why) => {
    const error = await detectError(await write("x.json", content));
    expect(error.message).toContain(`cannot tell the data set format: ${why}. Known formats:`);
  });

  it("reports JSON that is broken before the first record ends", async () => {
    const error = await detectError(await write("broken.json", '[{"_id": "a", "context": [}]'));
    expect(error.message).toMatch(/: not valid JSON near the start of the file: /);
  });
});

describe("classifyRecord", () => {
  const hotpot = { _id: "h", context: [], supporting_facts: [] };
  it.each([
    [{ ...hotpot, level: "easy", type: "comparison" }, "array", "hotpotqa"],
    [{ ...hotpot, type: "bridge" }, "array", "hotpotqa"],
    [{ ...hotpot, type: "comparison", evidences: [] }, "array", "2wikimqa"],
    [{ ...hotpot, type: "bridge_comparison" }, "array", "2wikimqa"],
    [{ ...hotpot, type: "compositional" }, "object", "2wikimqa"],
    [{ ...hotpot, type: "other" }, "array", undefined],
    [{ id: "h", context: {}, supporting_facts: {}, type: "bridge", level: "easy" }, "object", "hotpotqa"],
    [{ id: 7, context: [], supporting_facts: {}, level: "easy", documents: [] }, "array", "hotpotqa"],
    [{ id: "t", context: {}, supporting_facts: {}, evidences: {}, type: "comparison" }, "array", "2wikimqa"],
    [{ id: "x", context: [], supporting_facts: [], documents: [] }, "object", "jsonl"],
    [{ id: "x", paragraphs: [], question_decomposition: [] }, "object", "musique"],
    [{ id: "x", paragraphs: [] }, "object", undefined],
    [{ id: "x", documents: [], supporting: [] }, "object", "jsonl"],
    [{ version: "v2.0", data: [] }, "object", "squad"],
    [{ version: "v2.0", data: [] }, "array", undefined],
  ] as const)("classifies %j in a JSON %s as %s", (outline, container, format) => {
    expect(classifyRecord(outline, container)).toBe(format);
  });
});
