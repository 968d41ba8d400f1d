import { describe, expect, it } from "vitest";
import { readIdList } from "../../src/corpus/read.js";
import { InputError } from "../../src/errors.js";
import { useTempFiles } from "./temp-files.js";

const write = useTempFiles();

async function idsOf(content: string): Promise<string[]> {
  return [...(await readIdList(await write("ids.txt", content)))];
}

async function errorOf(content: string): Promise<string> {
  const path = await write("ids.txt", content);
  const error = await readIdList(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message.replace(path, "FILE");
}

describe("readIdList", () => {
  it("reads JSON Lines with an id field, ignoring other fields and blank lines", async () => {
    expect(
      await idsOf('{"id": "5a8b", "pass": 3}\n\n{"id": "2hop__1_2", "question": "q"}\r\n{"id": "5a8b"}\n'),
    ).toEqual(["5a8b", "2hop__1_2"]);
  });

  it("reads plain text with one id per line, trimming spaces", async () => {
    expect(await idsOf("\uFEFF5a8b\n  2hop__1_2  \n\n\t\nabc\n")).toEqual(["5a8b", "2hop__1_2", "abc"]);
  });

  it("reads an empty file as an empty list", async () => {
    expect(await idsOf("\n\n")).toEqual([]);
  });

  it.each([
    [
      '{"id": "a"}\n{"id": 7}\n',
      'Cannot read "FILE" line 2, field "id": expected a string, got a number (7)',
    ],
    ['{"id": "a"}\n\n{"id": \n', 'Cannot read "FILE" line 3: not valid JSON: '],
    ['{"id": "a"}\n["b"]\n', 'Cannot read "FILE" line 2: expected an object, got an array'],
    [
      'a\n{"id": "b"}\n',
      'Cannot read "FILE" line 2: expected one plain id per line (the file\'s first line is a plain id), got "{\\"id\\": \\"b\\"}"',
    ],
    [
      "a\nb c\n",
      'Cannot read "FILE" line 2: expected one plain id per line (the file\'s first line is a plain id), got "b c"',
    ],
  ])("rejects %j with the line number", async (content, message) => {
    expect((await errorOf(content)).startsWith(message)).toBe(true);
  });

  it("reports a missing file as an InputError", async () => {
    const error = await readIdList("/nonexistent/ids.jsonl").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('Cannot read "/nonexistent/ids.jsonl": no such file');
  });
});
