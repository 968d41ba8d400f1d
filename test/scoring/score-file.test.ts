import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import { resolveScoreFileOptions, scoreFile } from "../../src/scoring/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-score-file-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonl(name: string, lines: readonly unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`).join(""));
  return path;
}

const LINES = [
  { text: "<think>x</think>\\boxed{Paris}", gold: ["Paris"] },
  { text: "The answer is Rome.", answers: ["rome"] },
  { text: "\\boxed{the}", gold: ["x"] },
];

describe("scoreFile", () => {
  it("scores every line (auto extractor) and averages", async () => {
    const s = await scoreFile(await jsonl("in.jsonl", LINES));
    expect(s).toMatchObject({ lines: 3, extracted: 2, mean: { sub_em: 2 / 3, em: 2 / 3 } });
    expect(s.differences).toBeUndefined();
  });

  it("writes each line with its score (without the text) to `out`", async () => {
    const out = join(dir, "scored.jsonl");
    await scoreFile(await jsonl("in2.jsonl", LINES.slice(0, 1)), { out });
    const [row] = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(row).toEqual({
      ...LINES[0],
      score: { extracted_answer: "Paris", sub_em: 1, em: 1, f1: 1, is_correct: 1 },
    });
  });

  it("with compare, lists the lines whose sub_em differs between the modes", async () => {
    const lines = [...LINES, { text: "The answer is no.", gold: ["Norway"] }];
    const s = await scoreFile(await jsonl("in3.jsonl", lines), { compare: true });
    expect(s.differences).toEqual([{ line: 4, extracted: "no", golds: ["Norway"], compat: 1, default: 0 }]);
  });

  it.each<[string, unknown, string]>([
    [
      "a text that is not a string",
      { text: 1, gold: ["a"] },
      'line 1, field "text": expected a string, got a number',
    ],
    [
      "golds that are not strings",
      { text: "t", gold: [1] },
      'line 1, field "gold": expected an array of strings, got an array',
    ],
    ["a line that is not an object", [1], "line 1: expected an object, got an array"],
  ])("names the line and field of %s, and writes nothing", async (name, line, message) => {
    const out = join(dir, `${name.replace(/\W+/g, "-")}.out.jsonl`);
    const path = await jsonl(`${name.replace(/\W+/g, "-")}.jsonl`, [line]);
    const error = await scoreFile(path, { out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(message);
    await expect(readFile(out)).rejects.toThrow();
  });

  it("checks its options", () => {
    expect(resolveScoreFileOptions()).toEqual({
      extractor: "auto",
      mode: "default",
      textField: "text",
      out: undefined,
      compare: false,
    });
    expect(() => resolveScoreFileOptions({ mode: "other" as "compat" })).toThrow(ConfigError);
  });
});
