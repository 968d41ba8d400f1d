import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { ByteDigest, digestFile } from "../../src/io/digest.js";
import {
  decodeUtf8Chunks,
  firstInvalidUtf8,
  type Line,
  readJsonlTexts,
  readLines,
  splitLines,
} from "../../src/io/lines.js";

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

/** `parts` (strings and byte arrays) as one byte array. */
function bytesOf(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
}

async function* bytesIn(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function errorOf(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => new Error("expected a failure"),
    (e: unknown) => e as Error,
  );
}

describe("invalid UTF-8", () => {
  it.each([
    [
      "a lone 0xff",
      bytesOf("ok\nab", [0xff], "c\n"),
      "line 2: not valid UTF-8: byte 0xff at byte offset 5 of the file (byte 2 of line 2)",
    ],
    [
      "a bad continuation",
      bytesOf("é\nx", [0xe2, 0x28, 0xa1], "\n"),
      "line 2: not valid UTF-8: bytes 0xe2 0x28 at byte offset 4 of the file (byte 1 of line 2)",
    ],
    [
      "an overlong encoding",
      bytesOf([0xc0, 0x80]),
      "line 1: not valid UTF-8: byte 0xc0 at byte offset 0 of the file (byte 0 of line 1)",
    ],
    [
      "a surrogate",
      bytesOf("x", [0xed, 0xa0, 0x80]),
      "line 1: not valid UTF-8: bytes 0xed 0xa0 at byte offset 1 of the file (byte 1 of line 1)",
    ],
    [
      "a character cut off at the end",
      bytesOf("a\nb", [0xf0, 0x9f, 0x98]),
      "line 2: not valid UTF-8: an incomplete character (0xf0 0x9f 0x98) at byte offset 3 of the file (byte 1 of line 2)",
    ],
    [
      "a character cut off by a line break",
      bytesOf("a", [0xc3], "\nb"),
      "line 1: not valid UTF-8: an incomplete character (0xc3) at byte offset 1 of the file (byte 1 of line 1)",
    ],
  ])(
    "readLines and splitLines refuse %s, naming the file, line and byte offset",
    async (_, bytes, message) => {
      const path = join(dir, "bad.txt");
      await writeFile(path, bytes);
      const error = await errorOf(collect(readLines(path)));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(`Cannot read "${path}" ${message}`);
      for (const size of [1, 2, 3, 5, 64]) {
        const split = await errorOf(collect(splitLines(bytesIn(bytes, size), "x.txt")));
        expect(split.message).toBe(`Cannot read "x.txt" ${message}`);
      }
    },
  );

  it("yields the lines before the bad one", async () => {
    const got: string[] = [];
    const error = await errorOf(
      (async () => {
        for await (const { text } of splitLines(bytesIn(bytesOf("a\nb\n", [0xff]), 2))) got.push(text);
      })(),
    );
    expect(got).toEqual(["a", "b"]);
    expect(error.message).toBe(
      "Cannot read input line 3: not valid UTF-8: byte 0xff at byte offset 4 of the file (byte 0 of line 3)",
    );
  });

  it("decodeUtf8Chunks decodes characters split between chunks and refuses bad bytes with their place", async () => {
    const good = bytesOf('{"a": "é😀",\n "b": 1}');
    for (const size of [1, 2, 3, 64]) {
      const parts: string[] = [];
      for await (const text of decodeUtf8Chunks(bytesIn(good, size))) parts.push(text);
      expect(parts.join("")).toBe(good.toString("utf8"));
    }
    const bad = bytesOf('{\n  "a": "é', [0xff], '"}');
    for (const size of [1, 3, 64]) {
      const error = await errorOf(collect2(decodeUtf8Chunks(bytesIn(bad, size), { file: "s.json" })));
      expect(error.message).toBe(
        'Cannot read "s.json" line 2: not valid UTF-8: byte 0xff at byte offset 12 of the file (byte 10 of line 2)',
      );
    }
    const cut = await errorOf(collect2(decodeUtf8Chunks(bytesIn(bytesOf("ab", [0xe2, 0x82]), 1))));
    expect(cut.message).toBe(
      "Cannot read input line 1: not valid UTF-8: an incomplete character (0xe2 0x82) at byte offset 2 of the file (byte 2 of line 1)",
    );
  });

  it("firstInvalidUtf8 agrees with a fatal TextDecoder on random bytes", () => {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        let valid = true;
        try {
          decoder.decode(bytes);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(bytes) === undefined).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

async function collect2(items: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const item of items) all.push(item);
  return all;
}
