import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lengthStats, validateSwiftFile } from "../../src/sft/index.js";
import { wordCounter } from "../support/word-counter.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sft-validate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (user: string, assistant: string, extra: Record<string, unknown> = {}) => ({
  messages: [
    { role: "user", content: user },
    { role: "assistant", content: assistant },
  ],
  is_correct: 1,
  sub_em: 1,
  em: 1,
  f1: 1,
  extracted_answer: "a",
  answers: ["a"],
  source_index: 0,
  id: "q0",
  dataset: "d",
  length: 10,
  model: "m",
  ...extra,
});

describe("lengthStats", () => {
  it.each([
    [[], { min: 0, mean: 0, p50: 0, p95: 0, max: 0 }],
    [[5], { min: 5, mean: 5, p50: 5, p95: 5, max: 5 }],
    [[4, 1, 3, 2], { min: 1, mean: 2.5, p50: 2, p95: 4, max: 4 }],
    [Array.from({ length: 100 }, (_, i) => 100 - i), { min: 1, mean: 50.5, p50: 50, p95: 95, max: 100 }],
  ])("%j", (lengths, expected) => {
    expect(lengthStats(lengths)).toEqual(expected);
  });
});

describe("validateSwiftFile", () => {
  it("lists every error with its line (JSON, rules, schema), counts all, keeps the first maxErrors", async () => {
    const file = join(dir, "mixed.jsonl");
    await writeFile(
      file,
      [
        JSON.stringify(row("one two three", "four five")),
        "{bad json",
        "",
        JSON.stringify({ ...row("q", "a"), messages: [{ role: "user", content: "q" }] }),
        JSON.stringify(row("q", "a", { f1: 3 })),
        JSON.stringify(row("six seven", "eight")),
      ].join("\n"),
    );
    const r = await validateSwiftFile(file, { counter: wordCounter() });
    expect(r).toMatchObject({ file, rows: 5, badRows: 3, errorCount: 4 });
    expect(r.errors).toEqual([
      { line: 2, message: expect.stringMatching(/^not valid JSON: /) },
      { line: 4, message: "last message role must be 'assistant', got 'user'" },
      {
        line: 4,
        message: 'messages[0].role: expected the last message to be from the assistant, got "user"',
      },
      { line: 5, message: "f1: Too big: expected number to be <=1" },
    ]);
    // over the 4 rows whose messages could be read: 3+2, 1 (no assistant), 1+1, 2+1 words
    expect(r.tokens).toEqual({
      conversation: { min: 1, mean: 2.75, p50: 2, p95: 5, max: 5 },
      assistant: { min: 0, mean: 1, p50: 1, p95: 2, max: 2 },
    });
    const few = await validateSwiftFile(file, { maxErrors: 1 });
    expect(few.errorCount).toBe(4);
    expect(few.errors).toHaveLength(1);
    expect(few.tokens).toBeUndefined();
  });

  it("the messages schema accepts rows that are not SwiftRows (e.g. summaries)", async () => {
    const file = join(dir, "summary.jsonl");
    const summary = {
      messages: row("q", "a").messages,
      dataset: "chatqa2_summary",
      source: "s",
      word_count: 1,
    };
    await writeFile(file, `${JSON.stringify(summary)}\n`);
    expect((await validateSwiftFile(file, { schema: "messages" })).errorCount).toBe(0);
    expect((await validateSwiftFile(file)).errorCount).toBe(10);
  });

  it("a missing file is an InputError naming it", async () => {
    await expect(validateSwiftFile(join(dir, "nope.jsonl"))).rejects.toThrow(
      /Cannot read ".*nope.jsonl": cannot open/,
    );
  });
});
