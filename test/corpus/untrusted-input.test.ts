import { describe, expect, it } from "vitest";
import { readJsonArray } from "../../src/corpus/json-array.js";
import { readCorpus } from "../../src/corpus/read.js";
import { ConfigError, InputError } from "../../src/errors.js";
import { collect, fixture, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

/** The error `readCorpus` rejects with. */
async function failure(path: string, options: Parameters<typeof readCorpus>[1] = {}): Promise<Error> {
  const error = await readCorpus(path, options).then(
    () => new Error("expected readCorpus to fail"),
    (e: unknown) => e as Error,
  );
  return error;
}

describe("readCorpus refuses invalid UTF-8, naming the file, line and byte offset", () => {
  it.each([
    [
      "invalid-utf8-hotpotqa.json",
      {},
      "line 3: not valid UTF-8: byte 0xff at byte offset 345 of the file (byte 171 of line 3)",
    ],
    [
      "invalid-utf8-hotpotqa.json",
      { format: "hotpotqa" as const },
      "line 3 record 2: not valid UTF-8: byte 0xff at byte offset 345 of the file (byte 171 of line 3)",
    ],
    [
      "invalid-utf8-generic.jsonl",
      {},
      "line 2: not valid UTF-8: byte 0xff at byte offset 222 of the file (byte 100 of line 2)",
    ],
    [
      "invalid-utf8-squad.json",
      {},
      "line 4: not valid UTF-8: byte 0xff at byte offset 85 of the file (byte 20 of line 4)",
    ],
    [
      "invalid-utf8-squad.json",
      { format: "squad" as const },
      "line 4: not valid UTF-8: byte 0xff at byte offset 85 of the file (byte 20 of line 4)",
    ],
  ])("%s %j", async (name, options, message) => {
    const path = fixture(name);
    const error = await failure(path, options);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`Cannot read "${path}" ${message}`);
    expect(error.message).not.toContain("\uFFFD");
  });

  it("finds the byte in an element that spans many read chunks", async () => {
    const text = `[\n  {"_id": "a", "context": [["T", ["${"é".repeat(300)}`;
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28]), Buffer.from('"]]]}\n]\n')]);
    const path = await write("spanning.json", bytes);
    const error = await collect(readJsonArray(path, { chunkSize: 7 })).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(InputError);
    const offset = Buffer.byteLength(text);
    expect((error as Error).message).toBe(
      `Cannot read "${path}" line 2 record 1: not valid UTF-8: bytes 0xc3 0x28 at byte offset ${offset} of the file (byte ${offset - 2} of line 2)`,
    );
  });
});

describe("readCorpus counts every dropped record with its reason and place", () => {
  it("drops a record whose supporting fact names an absent title, and keeps the first of a repeated id", async () => {
    const path = fixture("hotpotqa-drops.json");
    const corpus = await readCorpus(path, { duplicateIds: "keep-first" });
    expect(corpus.qas.map((qa) => qa.id)).toEqual(["d-1", "d-3"]);
    expect(corpus.dropped).toEqual([
      {
        reason: "unknown_supporting_title",
        count: 1,
        places: [{ file: path, line: 3, record: 2, id: "d-2" }],
      },
      { reason: "duplicate_id", count: 1, places: [{ file: path, line: 4, record: 3, id: "d-1" }] },
    ]);
    expect(corpus.skipped).toEqual({ unknown_supporting_title: 1, duplicate_id: 1 });
  });

  it("refuses a repeated id by default, naming both places", async () => {
    const path = fixture("hotpotqa-drops.json");
    const error = await failure(path);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot read "${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" line 4 record 3 \\(id "d-1"\\): the question id "d-1" is used twice in this data set: first at line 2 record 1, again at line 4 record 3\\.`,
      ),
    );
  });

  it("counts MuSiQue's unanswerable twins under their own reason; a twin's id is no duplicate", async () => {
    const path = fixture("musique.jsonl");
    const corpus = await readCorpus(path);
    expect(corpus.dropped.map((d) => [d.reason, d.count, d.places.map((p) => p.line)])).toEqual([
      ["unanswerable", 1, [2]],
      ["no_supporting", 1, [5]],
    ]);
    const record = (answerable: boolean) =>
      JSON.stringify({
        id: "2hop__1_2",
        question: "q?",
        answer: "a",
        answerable,
        paragraphs: [{ title: "T", paragraph_text: "Text.", is_supporting: true }],
      });
    const twins = await write("twins.jsonl", `${record(false)}\n${record(true)}\n`);
    const read = await readCorpus(twins);
    expect(read.qas.map((qa) => qa.id)).toEqual(["2hop__1_2"]);
    expect(read.dropped).toEqual([
      { reason: "unanswerable", count: 1, places: [{ file: twins, line: 1, id: "2hop__1_2" }] },
    ]);
  });

  it("keeps the places of the first five only, and counts them all", async () => {
    const lines = Array.from({ length: 7 }, (_, i) =>
      JSON.stringify({ id: `u${i}`, answerable: false, paragraphs: [], question_decomposition: [] }),
    );
    const first = JSON.stringify({
      id: "a",
      question: "q?",
      answer: "a",
      answerable: true,
      paragraphs: [{ title: "T", paragraph_text: "x", is_supporting: true }],
    });
    const path = await write("many.jsonl", [first, ...lines].join("\n"));
    const [dropped] = (await readCorpus(path)).dropped;
    expect(dropped?.count).toBe(7);
    expect(dropped?.places.map((p) => p.id)).toEqual(["u0", "u1", "u2", "u3", "u4"]);
  });

  it("counts nothing when nothing was dropped", async () => {
    expect((await readCorpus(fixture("hotpotqa.json"))).dropped).toEqual([]);
  });
});

const generic = (over: object) =>
  JSON.stringify({
    id: "g1",
    question: "What?",
    answers: ["x"],
    documents: [{ title: "T", text: "Text." }],
    supporting: [0],
    ...over,
  });

const hotpot = (over: object) =>
  JSON.stringify([
    {
      _id: "h1",
      question: "What?",
      answer: "x",
      level: "easy",
      supporting_facts: [["T", 0]],
      context: [["T", ["Text."]]],
      ...over,
    },
  ]);

const musique = (over: object) =>
  JSON.stringify({
    id: "2hop__1",
    question: "What?",
    answer: "x",
    answerable: true,
    paragraphs: [{ title: "T", paragraph_text: "Text.", is_supporting: true }],
    ...over,
  });

const squad = (qa: object) =>
  JSON.stringify({
    data: [
      {
        title: "T",
        paragraphs: [
          { context: "C.", qas: [{ id: "s1", question: "What?", answers: [{ text: "x" }], ...qa }] },
        ],
      },
    ],
  });

describe("readCorpus refuses a blank question or answer, naming its place", () => {
  it.each([
    [
      "generic.jsonl",
      generic({ question: " \t" }),
      'line 1 (id "g1"), field "question": expected a non-blank text, got a string (" \\t")',
    ],
    [
      "generic.jsonl",
      generic({ answers: [] }),
      'line 1 (id "g1"), field "answers": expected at least one answer, got an empty array',
    ],
    [
      "generic.jsonl",
      generic({ answers: ["x", " "] }),
      'line 1 (id "g1"), field "answers[1]": expected a non-blank text, got a string (" ")',
    ],
    [
      "hotpot.json",
      hotpot({ question: "" }),
      'line 1 record 1 (id "h1"), field "question": expected a non-blank text, got a string ("")',
    ],
    [
      "hotpot.json",
      hotpot({ answer: "\n" }),
      'line 1 record 1 (id "h1"), field "answer": expected a non-blank text, got a string ("\\n")',
    ],
    [
      "musique.jsonl",
      musique({ answer: "  " }),
      'line 1 (id "2hop__1"), field "answer": expected a non-blank text, got a string ("  ")',
    ],
    [
      "squad.json",
      squad({ question: " " }),
      '(id "s1"), field "data[0].paragraphs[0].qas[0].question": expected a non-blank text, got a string (" ")',
    ],
    [
      "squad.json",
      squad({ answers: [{ text: "" }] }),
      '(id "s1"), field "data[0].paragraphs[0].qas[0].answers[0].text": expected a non-blank text, got a string ("")',
    ],
  ])("%s %#", async (name, content, message) => {
    const path = await write(name, content);
    const error = await failure(path);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(`Cannot read "${path}" ${message}`);
  });
});

describe("readCorpus limits the size of a document", () => {
  it("refuses a document over the limit, naming file, line, id, field and size", async () => {
    const path = await write("big.jsonl", generic({ documents: [{ title: "T", text: "é".repeat(600) }] }));
    await expect(readCorpus(path, { maxDocumentBytes: 1202 })).resolves.toMatchObject({
      qas: [{ id: "g1" }],
    });
    const error = await failure(path, { maxDocumentBytes: 1201 });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      `Cannot read "${path}" line 1 (id "g1"), field "documents[0]": the document is 1,202 bytes of text, more than the limit of 1,201 bytes; raise it with --max-document-bytes (maxDocumentBytes) if such documents are intended`,
    );
  });

  it("has a default of 4 MiB", async () => {
    const path = await write(
      "huge.jsonl",
      generic({ documents: [{ text: "x".repeat(4 * 1024 * 1024 + 1) }] }),
    );
    expect((await failure(path)).message).toContain("the document is 4,194,305 bytes of text");
  });

  it.each([[{ maxDocumentBytes: 0 }], [{ duplicateIds: "maybe" as "error" }]])(
    "refuses %j",
    async (options) => {
      expect(await failure(fixture("generic.jsonl"), options)).toBeInstanceOf(ConfigError);
    },
  );
});
