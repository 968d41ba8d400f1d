import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ByteDigest, digestFile } from "../../src/io/digest.js";
import { type Line, readJsonlTexts, readLines, splitLines } from "../../src/io/lines.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-lines-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readLines", () => {
  it("numbers lines from 1 and drops a trailing \\r", async () => {
    const path = join(dir, "a.txt");
    await writeFile(path, "one\r\ntwo\n\nfour");
    const got: [number, string][] = [];
    for await (const { line, text } of readLines(path)) got.push([line, text]);
    expect(got).toEqual([
      [1, "one"],
      [2, "two"],
      [3, ""],
      [4, "four"],
    ]);
  });

  it.skipIf(!existsSync("/proc/self/fd"))("closes the file when the reader stops early", async () => {
    const path = join(dir, "b.txt");
    await writeFile(path, "x\n".repeat(100_000));
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      for await (const _ of readLines(path)) break;
    }
    // Closing is asynchronous: give the stream a turn to release its descriptor.
    await new Promise((r) => setTimeout(r, 50));
    expect(open() - before).toBeLessThan(3);
  });
});

/** The bytes of `text` cut into chunks of `size` bytes (a character may be cut in two). */
async function* chunksOf(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(lines: AsyncIterable<Line>): Promise<[number, string][]> {
  const got: [number, string][] = [];
  for await (const { line, text } of lines) got.push([line, text]);
  return got;
}

/** What reading the whole file as one string and splitting it gives: the reference for splitLines. */
function splitWhole(text: string): [number, string][] {
  const parts = text.split("\n");
  if (parts.at(-1) === "") parts.pop();
  return parts.map((p, i) => [i + 1, p.replace(/\r$/, "")]);
}

describe("splitLines", () => {
  it.each([
    { name: "empty input", text: "", want: [] },
    { name: "one line break", text: "\n", want: [[1, ""]] },
    {
      name: "no final line break",
      text: "a\nb",
      want: [
        [1, "a"],
        [2, "b"],
      ],
    },
    {
      name: "CRLF",
      text: "a\r\nb\r\n",
      want: [
        [1, "a"],
        [2, "b"],
      ],
    },
    { name: "a final lone CR", text: "a\r", want: [[1, "a"]] },
    { name: "a lone CR inside a line (not a break)", text: "a\rb\n", want: [[1, "a\rb"]] },
    { name: "a byte-order mark (kept)", text: "\uFEFF{}\n", want: [[1, "\uFEFF{}"]] },
  ])("$name", async ({ text, want }) => {
    for (const size of [1, 2, 3, 64]) expect(await collect(splitLines(chunksOf(text, size)))).toEqual(want);
  });

  it("decodes characters cut between chunks and joins a line longer than many chunks", async () => {
    const long = "é😀x".repeat(10_000);
    const text = `${long}\r\nshort\n${long}`;
    expect(await collect(splitLines(chunksOf(text, 7)))).toEqual([
      [1, long],
      [2, "short"],
      [3, long],
    ]);
  });

  it("gives the lines of splitting the whole text, whatever the chunk size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "é", "😀", "\n", "\r", " ", "\uFEFF")).map((cs) => cs.join("")),
        fc.integer({ min: 1, max: 9 }),
        async (text, size) => {
          expect(await collect(splitLines(chunksOf(text, size)))).toEqual(splitWhole(text));
        },
      ),
    );
  });
});

describe("readLines with onBytes", () => {
  it("shows every byte: the digest equals the SHA-256 and size of the file", async () => {
    const path = join(dir, "hashed.jsonl");
    const text = `${'{"a":"é"}\r\n'.repeat(50_000)}\n\nlast`;
    await writeFile(path, text);
    const digest = new ByteDigest();
    const got = await collect(readLines(path, (b) => digest.update(b)));
    expect(got.length).toBe(50_003);
    expect(got[0]).toEqual([1, '{"a":"é"}']);
    expect(got.at(-1)).toEqual([50_003, "last"]);
    const want = {
      sha256: createHash("sha256").update(Buffer.from(text)).digest("hex"),
      size: Buffer.byteLength(text),
    };
    expect(digest.result()).toEqual(want);
    expect(await digestFile(path)).toEqual(want);
  });

  it("passes an opening error through", async () => {
    await expect(collect(readLines(join(dir, "missing.txt")))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("readJsonlTexts", () => {
  it("skips blank lines and a leading byte-order mark, keeping line numbers", async () => {
    const path = join(dir, "c.jsonl");
    await writeFile(path, '\uFEFF{"a":1}\n  \n\n{"a":2}\r\n');
    const got: [number, string][] = [];
    for await (const { line, json } of readJsonlTexts(path)) got.push([line, json]);
    expect(got).toEqual([
      [1, '{"a":1}'],
      [4, '{"a":2}'],
    ]);
  });
});
