import { readFile } from "node:fs/promises";
import { parquetMetadata } from "hyparquet";
import { describe, expect, it } from "vitest";
import { isParquetFile, probeParquetFirstRow, readParquetRecords } from "../../src/corpus/parquet-records.js";
import { InvalidUtf8, jsonRow, strictStringFromBytes } from "../../src/corpus/parquet-values.js";
import { InputError } from "../../src/errors.js";
import { collect, fixture, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

const jsonLines = async (name: string) =>
  (await readFile(fixture(name), "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));

describe("readParquetRecords", () => {
  it.each([
    ["hub/hotpotqa-hub.parquet", "hub/hotpotqa-hub.jsonl"],
    ["hub/musique.parquet", "musique.jsonl"],
  ])("gives the rows of %s as JSON.parse gives the lines of %s", async (parquet, jsonl) => {
    const path = fixture(parquet);
    expect(parquetMetadata(await readFile(path)).row_groups.length).toBeGreaterThan(1);
    const records = await collect(readParquetRecords(path));
    expect(records.map((r) => r.value)).toEqual(await jsonLines(jsonl));
    expect(records.map((r) => [r.index, r.place])).toEqual(
      records.map((_, i) => [i, { file: path, record: i + 1 }]),
    );
  });

  it("names a file that cannot be opened", async () => {
    const error = await collect(readParquetRecords(fixture("hub/missing.parquet"))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/missing\.parquet": no such file$/);
  });
});

describe("probeParquetFirstRow", () => {
  it("gives the first row's scalar values and [] / {} for nested columns, in schema order", async () => {
    expect(await probeParquetFirstRow(fixture("hub/hotpotqa-hub.parquet"))).toEqual({
      id: "5a8b57f25542995d1e6f1371",
      question: "Which river flows through the capital of Examplia?",
      answer: "the Ex",
      type: "bridge",
      level: "medium",
      supporting_facts: {},
      context: {},
    });
    const musique = await probeParquetFirstRow(fixture("hub/musique.parquet"));
    expect(Object.entries(musique ?? {})).toEqual([
      ["id", "2hop__11_22"],
      ["paragraphs", []],
      ["question", "Who founded the city where the Ex flows?"],
      ["question_decomposition", []],
      ["answer", "Jean"],
      ["answer_aliases", []],
      ["answerable", true],
    ]);
  });
});

describe("isParquetFile", () => {
  it("goes by the magic bytes, not the name", async () => {
    expect(await isParquetFile(fixture("hub/musique.parquet"))).toBe(true);
    expect(await isParquetFile(fixture("hub/hotpotqa.json"))).toBe(false);
    expect(await isParquetFile(await write("short.parquet", "PA"))).toBe(false);
  });
});

describe("parquet values", () => {
  it("decodes strings exactly, keeping a byte-order mark as JSON.parse does", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa9]);
    expect(strictStringFromBytes(bytes)).toBe(JSON.parse('"\\ufeffaé"'));
    expect(strictStringFromBytes(undefined)).toBeUndefined();
    expect(strictStringFromBytes(new Uint8Array([0x61, 0x80]))).toBeInstanceOf(InvalidUtf8);
  });

  it("turns a row into JSON shapes: null for absent values, numbers for int64", () => {
    const when = new Date(Date.UTC(2024, 0, 2));
    expect(
      jsonRow(
        {
          a: undefined,
          b: 5n,
          c: [1n, null],
          d: { x: undefined, y: "s" },
          e: new Int32Array([1, 2]),
          f: when,
        },
        { file: "f.parquet", record: 1 },
      ),
    ).toEqual({
      a: null,
      b: 5,
      c: [1, null],
      d: { x: null, y: "s" },
      e: [1, 2],
      f: "2024-01-02T00:00:00.000Z",
    });
  });

  it("names the row and field of a string that is not UTF-8", () => {
    const row = {
      context: { sentences: [["ok"], ["ok", new InvalidUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80]))]] },
    };
    expect(() => jsonRow(row, { file: "f.parquet", record: 9 })).toThrow(
      'Cannot read "f.parquet" record 9, field "context.sentences[1][1]": not valid UTF-8: bytes 0xed 0xa0 at byte 1 of the string',
    );
  });
});
