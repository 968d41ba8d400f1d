import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, WriteError } from "../../src/errors.js";
import { readStageInput, writeLinesAtomic } from "../../src/stages/stage-files.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-stage-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What readStageInput gave when it read the file as one string (the journals store this hash). */
function wholeFileReference(bytes: Buffer) {
  const lines: { line: number; text: string }[] = [];
  bytes
    .toString("utf8")
    .split("\n")
    .forEach((raw, at) => {
      const text = raw.replace(/\r$/, "");
      if (text.trim() !== "") lines.push({ line: at + 1, text });
    });
  return { lines, hash: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
}

describe("readStageInput", () => {
  it.each([
    { name: "plain lines", text: '{"a":1}\n{"a":2}\n' },
    { name: "blank lines, CRLF and no final line break", text: '\n{"a":1}\r\n  \n\n{"a":"é"}' },
    { name: "a byte-order mark, kept as read", text: '\uFEFF{"a":1}\n' },
    { name: "many lines over many chunks", text: '{"k":"value value value"}\n'.repeat(20_000) },
  ])("streams $name: same lines, numbers, SHA-256 and size as reading it whole", async ({ name, text }) => {
    const path = join(dir, `${name.replace(/\W+/g, "-")}.jsonl`);
    await writeFile(path, text);
    expect(await readStageInput(path)).toEqual(wholeFileReference(await readFile(path)));
  });

  it("a missing file is an InputError naming it", async () => {
    const path = join(dir, "missing.jsonl");
    const error = await readStageInput(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Cannot read "${path.replace(/[.]/g, "\\.")}": cannot open the file: ENOENT`),
    );
  });

  it("a file of blank lines is an InputError: it holds no records", async () => {
    const path = join(dir, "blank.jsonl");
    await writeFile(path, "\n  \r\n\n");
    await expect(readStageInput(path)).rejects.toThrow(`Cannot read "${path}": the file holds no records`);
  });
});

describe("writeLinesAtomic", () => {
  it("writes each line followed by a line break, from a sync or async iterable", async () => {
    const a = join(dir, "out", "a.jsonl");
    const b = join(dir, "out", "b.jsonl");
    await writeLinesAtomic(a, ["1", "2"]);
    await writeLinesAtomic(
      b,
      (async function* () {
        yield "x";
        yield "y";
      })(),
    );
    expect(await readFile(a, "utf8")).toBe("1\n2\n");
    expect(await readFile(b, "utf8")).toBe("x\ny\n");
  });

  it("a throw while iterating leaves no file and no temporary file", async () => {
    const folder = join(dir, "throws");
    const path = join(folder, "a.jsonl");
    await expect(
      writeLinesAtomic(
        path,
        (function* () {
          yield "1";
          throw new Error("stop");
        })(),
      ),
    ).rejects.toThrow("stop");
    expect(existsSync(path)).toBe(false);
    expect(await readdir(folder)).toEqual([]);
  });

  it("a file that cannot be written is a WriteError naming it", async () => {
    const folder = join(dir, "isdir");
    const path = join(folder, "a.jsonl");
    await mkdir(path, { recursive: true });
    const error = await writeLinesAtomic(path, ["1"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(/^Cannot write ".*a\.jsonl": .* \(EISDIR\)$/);
    expect(await readdir(folder)).toEqual(["a.jsonl"]);
  });
});
