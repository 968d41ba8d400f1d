import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLines } from "../../src/io/lines.js";

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
