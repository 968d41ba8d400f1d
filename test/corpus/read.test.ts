import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusFingerprint, readCorpus } from "../../src/corpus/read.js";
import type { Corpus } from "../../src/corpus/types.js";
import { ConfigError, InputError } from "../../src/errors.js";
import { fixture, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

function hotpot(id: string, titles: string[], supporting: string[]) {
  return {
    _id: id,
    question: `question ${id}`,
    answer: "a",
    level: "easy",
    context: titles.map((title) => [title, [`About ${title}.`]]),
    supporting_facts: supporting.map((title) => [title, 0]),
  };
}

async function readError(path: string, format?: Corpus["format"]): Promise<InputError> {
  const error = await readCorpus(path, format === undefined ? {} : { format }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("readCorpus", () => {
  it("uses the given format instead of detecting one", async () => {
    const corpus = await readCorpus(fixture("2wikimqa.json"), { format: "hotpotqa" });
    expect(corpus.format).toBe("hotpotqa");
    // HotpotQA joins sentences with "", so 2Wiki sentences glue together.
    expect(corpus.docs[0]).toBe(
      "Film X\nFilm X is a 2003 drama.It was directed by Ann Doe. It won no prizes.",
    );
  });

  it("rejects an unknown format name as a ConfigError", async () => {
    const error = await readCorpus(fixture("generic.jsonl"), { format: "csv" as Corpus["format"] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'unknown format "csv"; known formats: hotpotqa, musique, 2wikimqa, squad, jsonl',
    );
  });

  it("skips records without any gold document and counts them", async () => {
    const records = [hotpot("a", ["A"], ["A"]), hotpot("b", ["B"], []), hotpot("c", ["C", "A"], ["A"])];
    const corpus = await readCorpus(await write("nogold.json", JSON.stringify(records)));
    expect(corpus.qas.map((qa) => [qa.id, qa.docs, qa.gold, qa.sourcePosition])).toEqual([
      ["a", [0], [0], 0],
      ["c", [1, 0], [0], 2],
    ]);
    expect(corpus.docs).toEqual(["A\nAbout A.", "C\nAbout C."]);
    expect(corpus.skipped).toEqual({ no_supporting: 1 });
  });

  it("reports progress every 10,000 records and once at the end", async () => {
    const records = Array.from({ length: 20_001 }, (_, i) => hotpot(`r${i}`, ["A"], ["A"]));
    const path = await write("many.json", JSON.stringify(records));
    const seen: number[] = [];
    const corpus = await readCorpus(path, { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([10_000, 20_000, 20_001]);
    expect(corpus.docs).toHaveLength(1);
    expect(corpus.qas).toHaveLength(20_001);
  });

  it("turns a truncated JSON array into an InputError, not a partial corpus", async () => {
    const text = JSON.stringify([hotpot("a", ["A"], ["A"]), hotpot("b", ["B"], ["B"])], null, 1);
    const error = await readError(await write("truncated.json", text.slice(0, -40)));
    expect(error.message).toMatch(
      /the file ends inside record 2 \(which starts on line \d+\) before the JSON array/,
    );
  });

  it("names the record number and line of a bad record in a JSON array", async () => {
    const records = [hotpot("a", ["A"], ["A"]), { ...hotpot("b", ["B"], ["B"]), answer: 42 }];
    const path = await write("bad.json", `[\n${records.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`);
    const error = await readError(path);
    expect(error.place).toEqual({ file: path, line: 3, record: 2, id: "b", field: "answer" });
    expect(error.message).toBe(
      `Cannot read "${path}" line 3 record 2 (id "b"), field "answer": expected a string, got a number (42)`,
    );
  });

  it("rejects a missing file, a directory and an empty file, with or without a format", async () => {
    const missing = join(dirname(fixture("generic.jsonl")), "no-such-file.json");
    expect((await readError(missing)).message).toBe(`Cannot read "${missing}": no such file`);
    expect((await readError(missing, "squad")).message).toBe(`Cannot read "${missing}": no such file`);
    const dir = await write("placeholder", "");
    await mkdir(`${dir}-dir`);
    expect((await readError(`${dir}-dir`, "musique")).message).toBe(
      `Cannot read "${dir}-dir": it is a directory, not a file`,
    );
    expect((await readError(await write("empty.jsonl", "\n \n"), "jsonl")).message).toMatch(
      /: file is empty$/,
    );
  });
});

describe("corpusFingerprint", () => {
  const corpus = (docs: string[]): Corpus => ({
    format: "jsonl",
    source: "x",
    docs,
    qas: [],
    skipped: {},
    dropped: [],
  });

  it("is the SHA-256 of the documents in order, each followed by NUL", () => {
    // printf 'a\0bc\0' | sha256sum
    expect(corpusFingerprint(corpus(["a", "bc"]))).toBe(
      "aa795aa4bbb6117911ef062e271bcb05ccfd58ea439da7d46a44e3a3fcefa790",
    );
    expect(corpusFingerprint(corpus([]))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(corpusFingerprint(corpus(["ab", "c"]))).not.toBe(corpusFingerprint(corpus(["a", "bc"])));
    expect(corpusFingerprint(corpus(["bc", "a"]))).not.toBe(corpusFingerprint(corpus(["a", "bc"])));
  });
});
