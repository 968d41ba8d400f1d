import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { JOURNAL_KIND, journalHeaderOf, readJournal } from "../../src/stages/rollout-journal.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-journal-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = journalHeaderOf(JOURNAL_KIND, { model: "m", n: 2 });
/** Entries whose lines are longer than a read of the stream (64 KiB), so lines span reads. */
const entry = (i: number) => JSON.stringify({ i, r: { text: `${i}:${"é".repeat(50_000)}` } });

describe("readJournal (streamed)", () => {
  it("reads entries whose lines span many reads, and counts every byte as valid", async () => {
    const text = `${[JSON.stringify(header), entry(0), entry(2), entry(1)].join("\n")}\n`;
    const path = join(dir, "whole.journal");
    await writeFile(path, text);
    const j = await readJournal(path, header);
    expect([...(j?.entries.keys() ?? [])]).toEqual([0, 2, 1]);
    expect(j?.entries.get(2)?.r.text).toBe(`2:${"é".repeat(50_000)}`);
    expect(j?.validBytes).toBe(Buffer.byteLength(text));
    expect(j?.size).toBe(Buffer.byteLength(text));
  });

  it.each([
    ["a torn last line is not valid", entry(1).slice(0, 40_000), false],
    ["a complete last line without its newline is", entry(1), true],
  ])("%s", async (_name, last, kept) => {
    const head = `${[JSON.stringify(header), entry(0)].join("\n")}\n`;
    const path = join(dir, `last-${kept}.journal`);
    await writeFile(path, head + last);
    const j = await readJournal(path, header);
    expect(j?.entries.has(1)).toBe(kept);
    expect(j?.validBytes).toBe(Buffer.byteLength(kept ? head + last : head));
    expect(j?.size).toBe(Buffer.byteLength(head + last));
  });

  it("refuses a damaged line that is not the last, naming it", async () => {
    const path = join(dir, "damaged.journal");
    await writeFile(path, `${[JSON.stringify(header), "{oops", entry(0)].join("\n")}\n`);
    const e = await readJournal(path, header).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(/damaged\.journal" line 2: invalid JSON in the rollout journal/);
  });

  it("is undefined for a journal that does not exist", async () => {
    expect(await readJournal(join(dir, "none.journal"), header)).toBeUndefined();
  });
});
