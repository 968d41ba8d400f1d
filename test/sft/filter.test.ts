import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteError } from "../../src/errors.js";
import { filterSwift } from "../../src/sft/index.js";
import { readJsonl, writeJsonl } from "../support/stage-helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sft-filter-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (q: number, sub_em: number, f1: number, tag: string) => ({
  messages: [
    { role: "user", content: `question ${q}` },
    { role: "assistant", content: tag },
  ],
  sub_em,
  f1,
  source_index: q,
});

describe("filterSwift (§11.2, filter_file case of test_sft_filter.py)", () => {
  it("q0 (0/0.5, 0/0.3), q1 (1/0.9, 0/0.5), q2 (1/0.7, 1/1.0) → [q1, q2], q2 with f1 1.0", async () => {
    const input = await writeJsonl(join(dir, "train-num_sample_1000-max_seq_4096-LoongRL-14b-swift.jsonl"), [
      row(0, 0, 0.5, "q0a"),
      row(0, 0, 0.3, "q0b"),
      row(1, 1, 0.9, "q1a"),
      row(1, 0, 0.5, "q1b"),
      row(2, 1, 0.7, "q2a"),
      row(2, 1, 1.0, "q2b"),
    ]);
    const s = await filterSwift({ input });
    expect(s).toEqual({
      outputPath: join(dir, "train-num_sample_1000-max_seq_4096-LoongRL-14b-swift-filtered.jsonl"),
      questions: 3,
      kept: 2,
      dropped: 1,
    });
    const rows = await readJsonl(s.outputPath);
    expect(rows.map((r) => r.source_index)).toEqual([1, 2]);
    expect(rows[1]?.f1).toBe(1.0);
  });

  it("keeps first-seen question order when a question's rows are not adjacent; ties → first", async () => {
    const input = await writeJsonl(join(dir, "mixed-max_seq_8-swift.jsonl"), [
      row(7, 1, 0.5, "7-first"),
      row(3, 1, 0.2, "3-a"),
      row(7, 1, 0.5, "7-tie"),
      row(3, 1, 0.9, "3-b"),
      row(5, 0, 1.0, "5-wrong"),
    ]);
    const s = await filterSwift({ input, outDir: join(dir, "out") });
    expect(s).toMatchObject({ questions: 3, kept: 2, dropped: 1 });
    expect(s.outputPath).toBe(join(dir, "out", "mixed-max_seq_8-swift-filtered.jsonl"));
    const rows = await readJsonl(s.outputPath);
    expect(rows.map((r) => r.messages)).toEqual([
      row(7, 1, 0.5, "7-first").messages,
      row(3, 1, 0.9, "3-b").messages,
    ]);
  });

  it("a question's best row found after a later question's best row still comes first", async () => {
    const input = await writeJsonl(join(dir, "late-max_seq_8-swift.jsonl"), [
      row(7, 0, 0.1, "7-wrong"),
      row(3, 1, 0.5, "3-only"),
      row(9, 1, 0.5, "9-only"),
      row(7, 1, 0.4, "7-late"),
    ]);
    const s = await filterSwift({ input });
    const rows = await readJsonl(s.outputPath);
    expect(rows.map((r) => r.messages)).toEqual([
      row(7, 1, 0.4, "7-late").messages,
      row(3, 1, 0.5, "3-only").messages,
      row(9, 1, 0.5, "9-only").messages,
    ]);
  });

  it("writes rows byte for byte as read", async () => {
    const line = '{"messages": [], "sub_em": 1, "f1": 1.0, "source_index": 0, "note": "ü"}';
    const input = join(dir, "bytes-swift.jsonl");
    await writeFile(input, `${line}\n`);
    const s = await filterSwift({ input });
    expect(await readFile(s.outputPath, "utf8")).toBe(`${line}\n`);
  });

  it("an output folder that cannot be made is a WriteError naming the output file", async () => {
    const input = join(dir, "blocked-swift.jsonl");
    await writeFile(input, `${JSON.stringify(row(0, 1, 1, "ok"))}\n`);
    const outDir = join(dir, "a-file");
    await writeFile(outDir, "not a folder");
    const error = await filterSwift({ input, outDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(
      /^Cannot write ".*a-file\/blocked-swift-filtered\.jsonl": cannot create its folder ".*a-file": not a directory \(ENOTDIR\)$/,
    );
  });

  it.each([
    ["not JSON", "{oops", /line 2: not valid JSON/],
    [
      "no source_index",
      '{"sub_em": 1, "f1": 1}',
      /line 2, field "source_index": expected a non-negative integer/,
    ],
    [
      "f1 a string",
      '{"source_index": 1, "sub_em": 1, "f1": "1"}',
      /line 2, field "f1": expected a number, got "1"/,
    ],
  ])("a bad line is an error naming file, line and field: %s", async (_name, bad, message) => {
    const input = join(dir, "bad-swift.jsonl");
    await writeFile(input, `${JSON.stringify(row(0, 1, 1, "ok"))}\n${bad}\n`);
    await expect(filterSwift({ input })).rejects.toThrow(message);
  });
});
