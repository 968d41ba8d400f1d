import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanSummaryQuestion,
  DEFAULT_SUMMARY_KEYWORDS,
  extractSummaries,
  hasSummaryKeyword,
} from "../../src/sft/index.js";
import { readJsonl } from "../support/stage-helpers.js";
import { wordCounter } from "../support/word-counter.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sft-chatqa2-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const words = (n: number, w = "word") => Array.from({ length: n }, () => w).join(" ");

/** Rows covering each filter: the word counter makes token counts = words. */
const ROWS: { question: string; answers: string[] }[] = [
  // kept: 12 words of document + request, answer 5 words
  {
    question: `User: ${words(10, "doc")}\nPlease write a summary.\n\nAssistant:`,
    answers: ["one two three four five", "alt"],
  },
  // keyword too early: outside the last 30 characters
  { question: `Write a summary of ${words(20, "filler")}\n\nAssistant:`, answers: ["a b c d e"] },
  // no keyword
  { question: `User: ${words(12, "doc")} What is this?\nAssistant:`, answers: ["a b c d e"] },
  // input too short (3 words)
  { question: "User: short. SUMMARIZE THE ABOVE", answers: ["a b c d e"] },
  // answer too short
  { question: `User: ${words(10, "doc")} can you write an appropriate summary?`, answers: ["too short"] },
  // empty answer list → dropped at cleaning
  { question: `User: ${words(10, "doc")} provide a summary`, answers: [] },
];

describe("summary keywords and cleaning (§11.5)", () => {
  it.each([
    ["... Please WRITE A SUMMARY.", 300, true],
    ["write a summary, then a long tail of text", 20, false],
    ["x".repeat(500) + "summarize the above", 19, true],
    ["x".repeat(500) + "summarize the above", 18, false],
    // the tail counts code points, not UTF-16 units
    ["provide a summary😀😀", 19, true],
    ["nothing to see", 300, false],
  ])("hasSummaryKeyword(%j, tail %i) = %s", (q, tail, expected) => {
    expect(hasSummaryKeyword(q, DEFAULT_SUMMARY_KEYWORDS, tail)).toBe(expected);
  });

  it.each([
    ["User: Text.\n\nAssistant:", "Text."],
    ["User: Text.\nAssistant:", "Text."],
    ["User: Text. Assistant:", "Text."],
    ["Text.  \n", "Text."],
    ["User:Text.", "User:Text."],
    ["User: Text.\n\nAssistant: ", "Text.\n\nAssistant:"],
  ])("cleanSummaryQuestion(%j) = %j", (q, expected) => {
    expect(cleanSummaryQuestion(q)).toBe(expected);
  });
});

describe("extractSummaries", () => {
  const options = { keywordTail: 30, minInputTokens: 10, minOutputTokens: 5 };
  const expectedCounts = {
    read: 6,
    badRows: [],
    afterKeywords: 4,
    afterCleaning: 3,
    afterInputTokens: 2,
    afterOutputTokens: 1,
  };

  it("JSONL: counts after each filter, the row as written", async () => {
    const input = join(dir, "long_sft.jsonl");
    await writeFile(input, ROWS.map((r) => JSON.stringify(r)).join("\n"));
    const s = await extractSummaries(
      { input, outDir: join(dir, "jsonl"), ...options },
      { counter: wordCounter() },
    );
    expect(s).toEqual({ outputPath: join(dir, "jsonl", "long_sft_train_summary.jsonl"), ...expectedCounts });
    expect(await readJsonl(s.outputPath)).toEqual([
      {
        messages: [
          { role: "user", content: `${words(10, "doc")}\nPlease write a summary.` },
          { role: "assistant", content: "one two three four five" },
        ],
        dataset: "chatqa2_summary",
        source: "nvidia/ChatQA2-Long-SFT-data",
        word_count: 5,
      },
    ]);
  });

  it("parquet with several row groups gives the same bytes as JSONL", async () => {
    const input = join(dir, "long_sft.parquet");
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: "question", data: ROWS.map((r) => r.question) },
        { name: "answers", data: ROWS.map((r) => r.answers) },
      ],
      rowGroupSize: 2,
    });
    expect(parquetMetadata(buffer).row_groups).toHaveLength(3);
    await writeFile(input, new Uint8Array(buffer));
    const s = await extractSummaries(
      { input, outDir: join(dir, "parquet"), split: "test", ...options },
      { counter: wordCounter() },
    );
    expect(s).toMatchObject(expectedCounts);
    expect(s.outputPath).toBe(join(dir, "parquet", "long_sft_test_summary.jsonl"));
    const jsonl = join(dir, "jsonl", "long_sft_train_summary.jsonl");
    expect(await readFile(s.outputPath, "utf8")).toBe(await readFile(jsonl, "utf8"));
  });

  it("a missing parquet column names the columns there are", async () => {
    const input = join(dir, "other.parquet");
    await writeFile(
      input,
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "prompt", data: ["x"] }] })),
    );
    await expect(
      extractSummaries({ input, outDir: join(dir, "x") }, { counter: wordCounter() }),
    ).rejects.toThrow(/field "question": no column "question" \(columns: prompt\)/);
  });

  it("other field names; string answers; bad rows reported with line and field, not dropped silently", async () => {
    const input = join(dir, "custom.jsonl");
    await writeFile(
      input,
      [
        JSON.stringify({ prompt: `${words(10)} write a summary`, output: words(6) }),
        "{broken",
        JSON.stringify({ prompt: 5, output: "x" }),
        JSON.stringify({ prompt: "write a summary", output: { text: "x" } }),
        JSON.stringify({ prompt: "write a summary", output: [7] }),
      ].join("\n"),
    );
    const s = await extractSummaries(
      { input, outDir: join(dir, "custom"), questionField: "prompt", answerField: "output", ...options },
      { counter: wordCounter() },
    );
    expect(s).toMatchObject({ read: 5, afterKeywords: 1, afterOutputTokens: 1 });
    expect(s.badRows).toEqual([
      { line: 2, reason: expect.stringMatching(/^not valid JSON/) },
      { line: 3, field: "prompt", reason: "expected a string, got a number (5)" },
      { line: 4, field: "output", reason: "expected a string, got an object" },
      { line: 5, field: "output[0]", reason: "expected a string, got a number (7)" },
    ]);
  });
});
