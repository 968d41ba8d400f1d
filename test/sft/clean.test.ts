import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanTraces, type SwiftRow } from "../../src/sft/index.js";
import { readJsonl, writeJsonl } from "../support/stage-helpers.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/sft");
const PLAIN = join(FIXTURES, "hotpotqa/train-num_sample_3-max_seq_4096-qwen14b_ckpt.jsonl");
const KEYCHAIN = join(FIXTURES, "musique/dev-num_sample_2-max_seq_8192-qwen14b_ckpt.jsonl");
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sft-clean-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const traj = (text: string, sub_em: number, f1: number, reasoning_content?: string) => ({
  text,
  extracted_answer: null,
  sub_em,
  em: sub_em,
  f1,
  is_correct: sub_em,
  ...(reasoning_content === undefined ? {} : { reasoning_content }),
});

describe("cleanTraces (§11.4, process_file case of test_trace_cleaning.py)", () => {
  it("drops all-wrong records; content <think>think</think>yes; dataset from the folder; model; name", async () => {
    await mkdir(join(dir, "hotpotqa"), { recursive: true });
    const base = { input: "Q?", context: "C", answers: ["yes"], length: 100, model: "org/qwen14b" };
    const input = await writeJsonl(
      join(dir, "hotpotqa", "train-num_sample_1000-max_seq_4096-qwen14b_2e_1node_long_checkpoint.jsonl"),
      [
        { ...base, id: "a", source_index: 0, trajectories: [traj("think</think>\n\\boxed{yes}", 1, 1)] },
        { ...base, id: "b", source_index: 1, trajectories: [traj("think</think>\\boxed{no}", 0, 0)] },
      ],
    );
    const s = await cleanTraces({ input, outDir: join(dir, "out") });
    expect(s).toEqual({
      outputPath: join(dir, "out", "train-num_sample_1000-max_seq_4096-org_qwen14b-cleaned.jsonl"),
      records: 2,
      kept: 1,
      droppedNoCorrect: 1,
      skippedNoThink: [],
      droppedNoThink: 0,
      badLines: [],
    });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.messages[1]?.content).toBe("<think>think</think>yes");
    expect(rows[0]).toMatchObject({ dataset: "hotpotqa", model: "org/qwen14b", source_index: 0, id: "a" });
  });

  it("plain fixture: best trajectory per record; a best text without </think> is reported, not a crash", async () => {
    const s = await cleanTraces({ input: PLAIN, outDir: join(dir, "plain") });
    expect(s).toMatchObject({
      records: 3,
      kept: 1,
      droppedNoCorrect: 1,
      skippedNoThink: [{ line: 3, source_index: 12, trajectory: 0 }],
      droppedNoThink: 1,
    });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => [r.source_index, r.f1, r.messages[1]?.content])).toEqual([
      [10, 1, "<think>The passage says Paris.</think>Paris"],
    ]);
  });

  it("passes over a best trajectory without </think> and uses the next best correct one", async () => {
    await mkdir(join(dir, "musique"), { recursive: true });
    const base = { input: "Q?", context: "C", answers: ["yes"], length: 100, model: "m" };
    const input = await writeJsonl(join(dir, "musique", "train-num_sample_2-max_seq_4096-m.jsonl"), [
      {
        ...base,
        id: "a",
        source_index: 0,
        trajectories: [
          traj("half</think>\\boxed{yes, maybe}", 1, 0.5),
          traj("cut off before the end \\boxed{yes}", 1, 1),
          traj("full</think>\\boxed{yes}", 1, 1),
          traj("late</think>\\boxed{yes}", 1, 1),
        ],
      },
      { ...base, id: "b", source_index: 1, trajectories: [traj("no tag \\boxed{yes}", 1, 1)] },
    ]);
    const s = await cleanTraces({ input, outDir: join(dir, "fallback") });
    expect(s).toMatchObject({
      records: 2,
      kept: 1,
      droppedNoCorrect: 0,
      droppedNoThink: 1,
      skippedNoThink: [
        { line: 1, source_index: 0, trajectory: 1 },
        { line: 2, source_index: 1, trajectory: 0 },
      ],
    });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => [r.id, r.f1, r.messages[1]?.content])).toEqual([
      ["a", 1, "<think>full</think>yes"],
    ]);
  });

  it("keepBoxed keeps \\boxed{…}; KeyChain records get the KeyChain prompt", async () => {
    const s = await cleanTraces({ input: KEYCHAIN, outDir: join(dir, "kc"), keepBoxed: true });
    expect(s).toMatchObject({ records: 2, kept: 2, droppedNoCorrect: 0 });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => r.messages[1]?.content)).toEqual([
      "<think>chain again</think>\\boxed{William Shakespeare}",
      "<think>東京 → Japan</think>\\boxed{Japan}",
    ]);
    expect(rows[0]?.messages[0]?.content).toMatch(/^Please read the following text\./);
  });

  it("is deterministic", async () => {
    const a = await cleanTraces({ input: PLAIN, outDir: join(dir, "det-a") });
    const b = await cleanTraces({ input: PLAIN, outDir: join(dir, "det-b") });
    expect(await readFile(a.outputPath, "utf8")).toBe(await readFile(b.outputPath, "utf8"));
  });

  it("uses the separate reasoning of a trajectory, never writes <think><think>", async () => {
    await mkdir(join(dir, "reasoning"), { recursive: true });
    const base = { input: "Q?", context: "C", answers: ["yes"], length: 100, model: "Qwen/Qwen3-8B" };
    const input = await writeJsonl(
      join(dir, "reasoning", "train-num_sample_3-max_seq_4096-Qwen_Qwen3-8B.jsonl"),
      [
        {
          ...base,
          id: "a",
          source_index: 0,
          trajectories: [traj("\n\n\\boxed{yes}", 1, 1, "\nthe passage says yes\n")],
        },
        {
          ...base,
          id: "b",
          source_index: 1,
          trajectories: [traj("<think>\nR1 style\n</think>\n\n\\boxed{yes}", 1, 1)],
        },
        {
          ...base,
          id: "c",
          source_index: 2,
          trajectories: [traj("no tag \\boxed{yes}", 1, 1), traj("\\boxed{yes}", 1, 1, "<think>\nseparate")],
        },
      ],
    );
    const s = await cleanTraces({ input, outDir: join(dir, "reasoning", "out") });
    expect(s).toMatchObject({
      outputPath: join(
        dir,
        "reasoning",
        "out",
        "train-num_sample_3-max_seq_4096-Qwen_Qwen3-8B-cleaned.jsonl",
      ),
      kept: 3,
      skippedNoThink: [{ line: 3, source_index: 2, trajectory: 0 }],
      droppedNoThink: 0,
    });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => [r.id, r.model, r.messages[1]?.content])).toEqual([
      ["a", "Qwen/Qwen3-8B", "<think>the passage says yes</think>yes"],
      ["b", "Qwen/Qwen3-8B", "<think>R1 style</think>yes"],
      ["c", "Qwen/Qwen3-8B", "<think>separate</think>yes"],
    ]);
  });

  it("no record naming a model and no modelTag is a ConfigError; modelTag labels the rows then", async () => {
    await mkdir(join(dir, "untagged"), { recursive: true });
    const record = { input: "Q?", context: "C", answers: ["yes"], length: 100, id: "a", source_index: 0 };
    const input = await writeJsonl(join(dir, "untagged", "train-max_seq_64-x.jsonl"), [
      { ...record, trajectories: [traj("r</think>\\boxed{yes}", 1, 1)] },
    ]);
    await expect(cleanTraces({ input, outDir: join(dir, "untagged") })).rejects.toThrow(
      /names the model that wrote it \(no "model" field\): pass --model-tag/,
    );
    const s = await cleanTraces({ input, outDir: join(dir, "untagged"), modelTag: "mine" });
    expect(s.outputPath).toBe(join(dir, "untagged", "train-max_seq_64-mine-cleaned.jsonl"));
    expect(((await readJsonl(s.outputPath)) as unknown as SwiftRow[]).map((r) => r.model)).toEqual(["mine"]);
  });
});
