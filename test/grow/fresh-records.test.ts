import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { writeFreshRecords } from "../../src/grow/fresh-records.js";
import type { GrowConfig } from "../../src/grow/index.js";
import { stagesOf } from "../../src/grow/run-round.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-grow-fresh-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (id: string, source_index: number) => JSON.stringify({ id, source_index, context: "c" });

describe("writeFreshRecords", () => {
  it("keeps the records whose question is not taken, once each, in file order", async () => {
    const input = join(dir, "in.jsonl");
    await writeFile(input, `${record("a", 0)}\n${record("b", 1)}\n\n${record("a", 2)}\n${record("c", 3)}\n`);
    const output = join(dir, "out", "fresh.jsonl");
    const taken = new Set(["b"]);
    expect(await writeFreshRecords(input, output, taken, "id")).toEqual({ kept: 2, dropped: 2 });
    expect(await readFile(output, "utf8")).toBe(`${record("a", 0)}\n${record("c", 3)}\n`);
    expect([...taken].sort()).toEqual(["a", "b", "c"]);
  });

  it("keys by source_index under that key field", async () => {
    const input = join(dir, "in-si.jsonl");
    await writeFile(input, `${record("a", 0)}\n${record("b", 1)}\n`);
    const output = join(dir, "out", "fresh-si.jsonl");
    expect(await writeFreshRecords(input, output, new Set(["1"]), "source_index")).toEqual({
      kept: 1,
      dropped: 1,
    });
  });

  it("a record without id and source_index is an InputError naming the line, and nothing is written", async () => {
    const input = join(dir, "bad.jsonl");
    await writeFile(input, `${record("a", 0)}\n${JSON.stringify({ id: "b" })}\n`);
    const output = join(dir, "out", "bad.jsonl");
    const error = await writeFreshRecords(input, output, new Set(), "id").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `Cannot read "${input}" line 2, field "id": a plain record needs id and source_index`,
    );
    await expect(readFile(output)).rejects.toThrow();
  });
});

describe("stagesOf", () => {
  it.each<["filter" | "clean", string[]]>([
    ["filter", ["plain", "fresh", "rollout", "convert", "filter"]],
    ["clean", ["plain", "fresh", "rollout", "clean"]],
  ])("the stages of a round under sft mode %s", (mode, stages) => {
    expect(stagesOf({ sft: { mode } } as GrowConfig)).toEqual(stages);
  });
});
