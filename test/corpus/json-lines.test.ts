import { describe, expect, it } from "vitest";
import { readJsonLines } from "../../src/corpus/json-lines.js";
import { InputError } from "../../src/errors.js";
import { collect, useTempFiles } from "./temp-files.js";

const write = useTempFiles();

describe("readJsonLines", () => {
  it("yields one record per non-blank line with its 1-based line number", async () => {
    const path = await write("a.jsonl", '\uFEFF{"a": 1}\n\n   \r\n{"b": 2}\r\n[3]');
    const records = await collect(readJsonLines(path));
    expect(records.map((r) => [r.value, r.index, r.place.line])).toEqual([
      [{ a: 1 }, 0, 1],
      [{ b: 2 }, 1, 4],
      [[3], 2, 5],
    ]);
  });

  it("reports a malformed line with its line number", async () => {
    const path = await write("bad.jsonl", '{"a": 1}\n\n{"b": }\n');
    const error = await collect(readJsonLines(path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).place).toEqual({ file: path, line: 3 });
    expect((error as InputError).message).toMatch(/^Cannot read ".*bad\.jsonl" line 3: not valid JSON: /);
  });
});
