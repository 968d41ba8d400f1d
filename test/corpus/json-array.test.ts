import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readJsonArray } from "../../src/corpus/json-array.js";
import { InputError } from "../../src/errors.js";
import { collect, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

async function readAll(content: string | Uint8Array, chunkSize?: number) {
  const path = await write("array.json", content);
  return collect(readJsonArray(path, chunkSize === undefined ? {} : { chunkSize }));
}

async function errorOf(content: string): Promise<InputError> {
  const error = await readAll(content).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("readJsonArray", () => {
  it("yields each element with its 0-based index, 1-based record number and start line", async () => {
    const records = await readAll(
      '[\n  {"a": 1},\n  {"b": [1, {"c": "x"}]}\n,\n"s", 12, true, null, []\n]\n',
    );
    expect(records.map((r) => r.value)).toEqual([{ a: 1 }, { b: [1, { c: "x" }] }, "s", 12, true, null, []]);
    expect(records.map((r) => [r.index, r.place.record, r.place.line])).toEqual([
      [0, 1, 2],
      [1, 2, 3],
      [2, 3, 5],
      [3, 4, 5],
      [4, 5, 5],
      [5, 6, 5],
      [6, 7, 5],
    ]);
  });

  it("keeps brackets, quotes and backslashes inside strings, at every chunk boundary", async () => {
    const value = [{ t: 'a "quoted" ]}[{ word', u: "back\\slash\\", v: "é漢字😀", w: '\\"' }, "]"];
    const text = JSON.stringify(value);
    for (let chunkSize = 1; chunkSize <= 8; chunkSize++) {
      const records = await readAll(text, chunkSize);
      expect(records.map((r) => r.value)).toEqual(value);
    }
  });

  it("reads an empty array and skips a UTF-8 byte-order mark", async () => {
    expect(await readAll(" [ ] ")).toEqual([]);
    const bom = await readAll(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('[{"a":1}]')]));
    expect(bom.map((r) => r.value)).toEqual([{ a: 1 }]);
  });

  it("matches JSON.parse on any array, whatever the whitespace and chunk size", async () => {
    const element = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { maxLength: 6 }),
        fc.constantFrom("", " ", "\n", " \r\n\t"),
        fc.integer({ min: 1, max: 64 }),
        async (values, space, chunkSize) => {
          const text = `${space}[${space}${values.map((v) => JSON.stringify(v, null, space === "" ? 0 : 1)).join(`${space},${space}`)}${space}]${space}`;
          const records = await readAll(text, chunkSize);
          expect(records.map((r) => r.value)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ["", 'Cannot read "FILE": file is empty'],
    ["  \n ", 'Cannot read "FILE": file is empty'],
    ['{"a": 1}', 'Cannot read "FILE" line 1: expected a JSON array ("["), got "{"'],
    ['[{"a": 1}\n {"b": 2}]', 'Cannot read "FILE" line 2: expected "," or "]" after record 1, got "{"'],
    ['[{"a": 1},]', 'Cannot read "FILE" line 1: expected record 2 after ",", got "]"'],
    ['[{"a": 1}] x', 'Cannot read "FILE" line 1: unexpected "x" after the end of the JSON array'],
    [
      '[{"a": 1},\n {"b": "trunc',
      'Cannot read "FILE" line 2: the file ends inside record 2 (which starts on line 2) before the JSON array is closed with "]"; is it truncated?',
    ],
    [
      '[{"a": 1},\n',
      'Cannot read "FILE" line 2: the file ends after record 1 before the JSON array is closed with "]"; is it truncated?',
    ],
    [
      "[1, 2",
      'Cannot read "FILE" line 1: the file ends inside record 2 (which starts on line 1) before the JSON array is closed with "]"; is it truncated?',
    ],
  ])("reports %j as an InputError with its line", async (content, message) => {
    const error = await errorOf(content);
    expect(error.message).toBe(message.replace("FILE", error.place.file ?? ""));
  });

  it("names the record and its start line when an element is not valid JSON", async () => {
    const error = await errorOf('[\n{"a": 1},\n{"b": tru}\n]');
    expect(error.place).toMatchObject({ line: 3, record: 2 });
    expect(error.message).toMatch(/line 3 record 2: not valid JSON: /);
  });
});
