import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { KEYCHAIN_USER_TEMPLATE, QWEN_ORZ_BOXED_SYSTEM } from "../../src/prompt/templates.js";
import { convertToSwift, type SwiftRow, validateSwiftRow } from "../../src/sft/index.js";
import { readJsonl, writeJsonl } from "../support/stage-helpers.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/sft");
const PLAIN = join(FIXTURES, "hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl");
const KEYCHAIN = join(FIXTURES, "musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt.jsonl");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sft-convert-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One rollout record with the given trajectories (what test_swift_conversion.py builds). */
function rolloutRecord(trajectories: { text: string; sub_em?: number; f1?: number }[], extra = {}) {
  return {
    source_index: 42,
    id: "q42",
    input: "Who wrote it?",
    context: "Passage 1:\nShe wrote it.",
    answers: ["She"],
    length: 4096,
    ...extra,
    model: "m",
    trajectories: trajectories.map((t) => ({
      text: t.text,
      extracted_answer: "She",
      sub_em: t.sub_em ?? 1,
      em: 1,
      f1: t.f1 ?? 1,
      is_correct: t.sub_em ?? 1,
    })),
  };
}

describe("convertToSwift (§11.1, cases of test_swift_conversion.py)", () => {
  it("two trajectories → two rows; user has input and context, assistant the text; fields kept and set", async () => {
    await mkdir(join(dir, "ds1"), { recursive: true });
    const input = await writeJsonl(join(dir, "ds1", "train-num_sample_1-max_seq_4096-m.jsonl"), [
      rolloutRecord([{ text: "a</think>\\boxed{She}" }, { text: "b</think>\\boxed{He}", sub_em: 0, f1: 0 }]),
    ]);
    const s = await convertToSwift({ input, outDir: join(dir, "out1") });
    expect(s).toMatchObject({ records: 1, rows: 2, skippedEmpty: 0, badLines: [] });
    expect(s.outputPath).toBe(join(dir, "out1", "train-num_sample_1-max_seq_4096-LoongRL-14b-swift.jsonl"));
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [SwiftRow, SwiftRow];
    expect(first.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(first.messages[0]?.content).toBe(
      "The following are given passages.\nPassage 1:\nShe wrote it.\n\nQuestion: Who wrote it?",
    );
    expect(first.messages[1]?.content).toBe("a</think>\\boxed{She}");
    expect(second.sub_em).toBe(0);
    expect(Object.keys(first)).toEqual([
      "messages",
      "is_correct",
      "sub_em",
      "em",
      "f1",
      "extracted_answer",
      "answers",
      "source_index",
      "id",
      "dataset",
      "length",
      "model",
    ]);
    expect(first).toMatchObject({
      source_index: 42,
      id: "q42",
      answers: ["She"],
      dataset: "ds1",
      model: "LoongRL-14b",
      length: 4096,
    });
    for (const r of rows) expect(validateSwiftRow(r)).toEqual([]);
  });

  it("plain fixture: empty and whitespace texts are skipped and counted; --no-skip-empty keeps them", async () => {
    const s = await convertToSwift({ input: PLAIN, outDir: join(dir, "out2") });
    expect(s).toMatchObject({ records: 3, rows: 6, skippedEmpty: 2, badLines: [] });
    const kept = await convertToSwift({ input: PLAIN, outDir: join(dir, "out3"), skipEmpty: false });
    expect(kept).toMatchObject({ records: 3, rows: 8, skippedEmpty: 0 });
    const rows = await readJsonl(kept.outputPath);
    expect(rows.map((r) => r.source_index)).toEqual([10, 10, 10, 11, 11, 11, 12, 12]);
  });

  it("KeyChain records get the KeyChain prompt (auto), a system message when asked, the model tag", async () => {
    const s = await convertToSwift({
      input: KEYCHAIN,
      outDir: join(dir, "out4"),
      modelTag: "my-sft",
      system: QWEN_ORZ_BOXED_SYSTEM,
    });
    expect(s.outputPath).toBe(join(dir, "out4", "dev-num_sample_2-max_seq_8192-my-sft-swift.jsonl"));
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows).toHaveLength(4);
    const messages = rows[0]?.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(messages[1]?.content.startsWith(KEYCHAIN_USER_TEMPLATE.slice(0, 30))).toBe(true);
    expect(messages[1]?.content).toContain("starting from 6513270e-269e-4d37-b2a7-4de452e6b438.");
    expect(rows[0]).toMatchObject({ dataset: "musique", model: "my-sft", id: "mq-5", length: 8000 });
  });

  it("--prompt keychain on plain records is a ConfigError", async () => {
    await expect(
      convertToSwift({ input: PLAIN, outDir: join(dir, "out5"), prompt: "keychain" }),
    ).rejects.toThrow(ConfigError);
  });

  it("bad lines are reported with line number and field, the good ones still converted", async () => {
    await mkdir(join(dir, "bad"), { recursive: true });
    const good = JSON.stringify(rolloutRecord([{ text: "t</think>\\boxed{She}" }]));
    const { source_index: _, ...noIndex } = rolloutRecord([{ text: "x" }]);
    const { trajectories: __, ...noTrajectories } = rolloutRecord([]);
    const badScore = rolloutRecord([{ text: "x", f1: 2 }]);
    const input = join(dir, "bad", "train-max_seq_4096-m.jsonl");
    await writeFile(
      input,
      [
        good,
        "{not json",
        "",
        JSON.stringify(noIndex),
        JSON.stringify(noTrajectories),
        JSON.stringify(badScore),
        good,
        "",
      ].join("\n"),
    );
    const s = await convertToSwift({ input, outDir: join(dir, "out6") });
    expect(s).toMatchObject({ records: 2, rows: 2 });
    expect(s.badLines).toEqual([
      { line: 2, reason: expect.stringMatching(/^invalid JSON: /) },
      { line: 4, field: "source_index", reason: "expected a non-negative integer, but the field is missing" },
      { line: 5, field: "trajectories", reason: "expected an array, but the field is missing" },
      { line: 6, field: "trajectories[0].f1", reason: "expected a number in [0, 1], got 2" },
    ]);
  });

  it("is deterministic: the same input gives byte-identical output", async () => {
    const a = await convertToSwift({ input: KEYCHAIN, outDir: join(dir, "det-a") });
    const b = await convertToSwift({ input: KEYCHAIN, outDir: join(dir, "det-b") });
    expect(await readFile(a.outputPath, "utf8")).toBe(await readFile(b.outputPath, "utf8"));
  });

  it("a file name without max_seq_N is a ConfigError before anything is written", async () => {
    await expect(
      convertToSwift({ input: join(dir, "ds1", "nope.jsonl"), outDir: join(dir, "out7") }),
    ).rejects.toThrow(/no "max_seq_<N>" part/);
  });
});
