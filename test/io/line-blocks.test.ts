import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { blockLines, jsonlRecordCount, readLineBlocks } from "../../src/io/line-blocks.js";
import { type Line, readLines } from "../../src/io/lines.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-blocks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function viaBlocks(path: string, blockBytes: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const block of readLineBlocks(path, blockBytes)) {
    expect(block.bytes.byteOffset).toBe(0);
    expect(block.bytes.byteLength).toBe(block.bytes.buffer.byteLength);
    out.push(...blockLines(block, { file: path }));
  }
  return out;
}

async function viaLines(path: string): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(path)) out.push(l);
  return out;
}

const CASES: [string, string][] = [
  ["empty", ""],
  ["one line without newline", '{"a":1}'],
  ["lines with CRLF and blanks", '{"a":1}\r\n\r\n  \n{"b":"é"}\n'],
  ["long and short lines", `${"x".repeat(3000)}\nshort\n${"ü".repeat(2000)}\nend`],
  ["only newlines", "\n\n\n"],
];

describe("readLineBlocks + blockLines", () => {
  it.each(CASES)("gives the lines readLines gives (%s), whatever the block size", async (name, content) => {
    const path = await file(`${name}.jsonl`, content);
    const expected = await viaLines(path);
    for (const size of [1, 7, 64, 1 << 20]) expect(await viaBlocks(path, size)).toEqual(expected);
  });

  it("names the line and byte offset of invalid UTF-8, as readLines does", async () => {
    const path = await file(
      "bad.jsonl",
      Buffer.concat([Buffer.from("ok\nfine\nbad "), Buffer.from([0xff]), Buffer.from("\n")]),
    );
    const expected = await viaLines(path).catch((e: unknown) => e);
    const got = await viaBlocks(path, 4).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(InputError);
    expect((got as Error).message).toBe((expected as Error).message);
    expect((got as Error).message).toMatch(/line 3: not valid UTF-8: byte 0xff at byte offset 12/);
  });
});

describe("jsonlRecordCount", () => {
  it("counts the non-blank lines (a byte-order mark on line 1 and Unicode spaces are blank)", async () => {
    const path = await file("records.jsonl", '\uFEFF\n{"a":1}\n\u00a0\u2003\n\t\n[1]\n"s"\n\r\n{"b":2}');
    let records = 0;
    for await (const block of readLineBlocks(path, 3)) records += jsonlRecordCount(block);
    expect(records).toBe(4);
  });
});
