import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, InputError } from "../../src/errors.js";
import { KEYCHAIN_USER_TEMPLATE, QWEN_ORZ_BOXED_SYSTEM } from "../../src/prompt/templates.js";
import {
  assistantTurn,
  convertToSwift,
  resolveConvertOptions,
  resolveRowModel,
  type SwiftRow,
  validateSwiftRow,
} from "../../src/sft/index.js";
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
function rolloutRecord(
  trajectories: { text: string; sub_em?: number; f1?: number; reasoning_content?: unknown }[],
  extra = {},
) {
  return {
    source_index: 42,
    id: "q42",
    input: "Who wrote it?",
    context: "Passage 1:\nShe wrote it.",
    answers: ["She"],
    length: 4096,
    model: "m",
    ...extra,
    trajectories: trajectories.map((t) => ({
      text: t.text,
      extracted_answer: "She",
      sub_em: t.sub_em ?? 1,
      em: 1,
      f1: t.f1 ?? 1,
      is_correct: t.sub_em ?? 1,
      ...(t.reasoning_content === undefined ? {} : { reasoning_content: t.reasoning_content }),
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
    expect(s.outputPath).toBe(join(dir, "out1", "train-num_sample_1-max_seq_4096-m-swift.jsonl"));
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
      model: "m",
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

  it("KeyChain records from before prompts were stored get the KeyChain prompt rendered from their fields, and the model tag", async () => {
    const s = await convertToSwift({ input: KEYCHAIN, outDir: join(dir, "out4"), modelTag: "my-sft" });
    expect(s.outputPath).toBe(join(dir, "out4", "dev-num_sample_2-max_seq_8192-my-sft-swift.jsonl"));
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows).toHaveLength(4);
    const messages = rows[0]?.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[0]?.content.startsWith(KEYCHAIN_USER_TEMPLATE.slice(0, 30))).toBe(true);
    expect(messages[0]?.content).toContain("starting from 6513270e-269e-4d37-b2a7-4de452e6b438.");
    expect(rows[0]).toMatchObject({ dataset: "musique", model: "my-sft", id: "mq-5", length: 8000 });
  });

  it("rows carry the stored prompt byte for byte (system message included), or the rollout_prompt the rollout sent", async () => {
    await mkdir(join(dir, "stored", "musique"), { recursive: true });
    const records = await readJsonl(KEYCHAIN);
    const stored = [
      { role: "system", content: QWEN_ORZ_BOXED_SYSTEM },
      { role: "user", content: "the stored user message \u00e9" },
    ];
    const sent = [{ role: "user", content: "what the rollout sent instead" }];
    const input = join(dir, "stored", "musique", "dev-num_sample_2-max_seq_8192-m.jsonl");
    await writeFile(
      input,
      `${JSON.stringify({ ...records[0], prompt: stored })}\n${JSON.stringify({ ...records[1], prompt: stored, rollout_prompt: sent })}\n`,
    );
    const s = await convertToSwift({ input, outDir: join(dir, "out5") });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    const first = rows.filter((r) => r.id === records[0]?.id);
    const second = rows.filter((r) => r.id === records[1]?.id);
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    for (const r of first) expect(r.messages.slice(0, -1)).toEqual(stored);
    for (const r of second) expect(r.messages.slice(0, -1)).toEqual(sent);
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

  it("plain fixture: rows and output name take the recorded model by default", async () => {
    const s = await convertToSwift({ input: PLAIN, outDir: join(dir, "tag-default") });
    expect(s.outputPath).toBe(
      join(dir, "tag-default", "train-num_sample_3-max_seq_4096-qwen14b_ckpt-swift.jsonl"),
    );
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(new Set(rows.map((r) => r.model))).toEqual(new Set(["qwen14b_ckpt"]));
  });

  it.each<[string, unknown[], string | undefined, string, string]>([
    [
      "a model name with / (rows keep it, the file name gets _)",
      [{ model: "Qwen/Qwen3-8B" }, { model: "Qwen/Qwen3-8B" }],
      undefined,
      "train-max_seq_64-Qwen_Qwen3-8B-swift.jsonl",
      "Qwen/Qwen3-8B",
    ],
    [
      "--model-tag overrides the recorded model",
      [{ model: "Qwen/Qwen3-8B" }],
      "my-sft",
      "train-max_seq_64-my-sft-swift.jsonl",
      "my-sft",
    ],
    [
      "the first usable record that names a model (a bad line naming one and a record naming none first)",
      [
        JSON.stringify({ id: "bad", model: "bad/line" }),
        { model: undefined },
        { model: "org/first" },
        { model: undefined },
      ],
      undefined,
      "train-max_seq_64-org_first-swift.jsonl",
      "org/first",
    ],
    [
      "--model-tag where no record names a model",
      [{ model: undefined }],
      "tag",
      "train-max_seq_64-tag-swift.jsonl",
      "tag",
    ],
  ])("model tag: %s", async (name, lines, modelTag, file, model) => {
    const folder = join(dir, "tags", name.replace(/\W+/g, "-"));
    await mkdir(folder, { recursive: true });
    const input = join(folder, "train-max_seq_64-x.jsonl");
    const text = (line: unknown) =>
      typeof line === "string" ? line : JSON.stringify(rolloutRecord([{ text: "t" }], line as object));
    await writeFile(input, `${lines.map(text).join("\n")}\n`);
    const s = await convertToSwift({ input, outDir: join(folder, "out"), ...(modelTag ? { modelTag } : {}) });
    expect(s.outputPath).toBe(join(folder, "out", file));
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => r.model)).toEqual(lines.filter((l) => typeof l !== "string").map(() => model));
  });

  it("no record naming a model and no modelTag is a ConfigError saying to pass --model-tag", async () => {
    await mkdir(join(dir, "nomodel"), { recursive: true });
    const input = await writeJsonl(join(dir, "nomodel", "train-max_seq_64-x.jsonl"), [
      rolloutRecord([{ text: "t" }], { model: undefined }),
    ]);
    const error = await convertToSwift({ input, outDir: join(dir, "nomodel", "out") }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `No record of "${input}" names the model that wrote it (no "model" field): pass --model-tag (modelTag) to label its rows.`,
    );
    await expect(readdir(join(dir, "nomodel", "out"))).rejects.toThrow(/ENOENT/);
  });

  it.each([undefined, "tag"])(
    "records naming two models are an InputError naming the file and both lines (modelTag %s)",
    async (modelTag) => {
      const folder = join(dir, `mixed-${modelTag}`);
      await mkdir(folder, { recursive: true });
      const input = await writeJsonl(join(folder, "train-max_seq_64-x.jsonl"), [
        rolloutRecord([{ text: "t" }], { model: "a/one" }),
        rolloutRecord([{ text: "t" }], { model: undefined }),
        rolloutRecord([{ text: "t" }], { model: "a/one" }),
        rolloutRecord([{ text: "t" }], { model: "b/two" }),
      ]);
      const error = await convertToSwift({
        input,
        outDir: join(folder, "out"),
        ...(modelTag ? { modelTag } : {}),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toBe(
        `Cannot read "${input}" line 4, field "model": the record names model "b/two", but line 1 names "a/one": a rollout file must hold the trajectories of one model`,
      );
      expect(await readdir(join(folder, "out"))).toEqual([]);
    },
  );

  it.each([
    ["no reasoning: the text unchanged", { text: "r</think>\n\\boxed{x}" }, "r</think>\n\\boxed{x}"],
    [
      "separate reasoning: joined back",
      { text: "\n\n\\boxed{x}", reasoning_content: "\nr\n" },
      "<think>\nr\n</think>\n\n\\boxed{x}",
    ],
    ["empty reasoning", { text: "\\boxed{x}", reasoning_content: "" }, "<think></think>\\boxed{x}"],
  ])("assistant turn, %s", async (_, trajectory, expected) => {
    expect(assistantTurn(trajectory)).toBe(expected);
    const folder = join(dir, "turn", _.replace(/\W+/g, "-"));
    await mkdir(folder, { recursive: true });
    const input = await writeJsonl(join(folder, "train-max_seq_64-m.jsonl"), [rolloutRecord([trajectory])]);
    const s = await convertToSwift({ input, outDir: folder });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => r.messages.at(-1)?.content)).toEqual([expected]);
  });

  it("empty text with separate reasoning is skipped as empty", async () => {
    await mkdir(join(dir, "cut"), { recursive: true });
    const input = await writeJsonl(join(dir, "cut", "train-max_seq_64-m.jsonl"), [
      rolloutRecord([{ text: " ", reasoning_content: "thinking, cut short" }, { text: "\\boxed{x}" }]),
    ]);
    expect(await convertToSwift({ input, outDir: join(dir, "cut") })).toMatchObject({
      rows: 1,
      skippedEmpty: 1,
    });
  });

  it.each<[string, object, { text: string; reasoning_content?: unknown }, string, string]>([
    ["model", { model: 3 }, { text: "t" }, "model", "expected a string, got a number (3)"],
    [
      "empty model",
      { model: "" },
      { text: "t" },
      "model",
      "expected the name of the rollout model, got an empty string",
    ],
    [
      "reasoning_content",
      {},
      { text: "t", reasoning_content: 1 },
      "trajectories[0].reasoning_content",
      "expected a string, got a number (1)",
    ],
  ])("a mistyped %s is a bad line", async (_, extra, trajectory, field, reason) => {
    await mkdir(join(dir, "typed"), { recursive: true });
    const input = await writeJsonl(join(dir, "typed", "train-max_seq_64-m.jsonl"), [
      rolloutRecord([{ text: "t" }]),
      rolloutRecord([trajectory], extra),
    ]);
    const s = await convertToSwift({ input, outDir: join(dir, "typed", "out") });
    expect(s).toMatchObject({ records: 1, rows: 1, badLines: [{ line: 2, field, reason }] });
  });

  it("reasoning_content: null counts as none", async () => {
    await mkdir(join(dir, "null"), { recursive: true });
    const input = await writeJsonl(join(dir, "null", "train-max_seq_64-m.jsonl"), [
      rolloutRecord([{ text: "t", reasoning_content: null }], { model: "m" }),
    ]);
    const s = await convertToSwift({ input, outDir: join(dir, "null") });
    const rows = (await readJsonl(s.outputPath)) as unknown as SwiftRow[];
    expect(rows.map((r) => r.messages.at(-1)?.content)).toEqual(["t"]);
  });
});

describe("resolveConvertOptions and resolveRowModel (convert-options.ts, row-model.ts)", () => {
  it("fills in the defaults and leaves the model tag to the file", () => {
    expect(resolveConvertOptions({ input: "d/train-max_seq_64-x.jsonl", outDir: "o" })).toEqual({
      input: "d/train-max_seq_64-x.jsonl",
      outDir: "o",
      modelTag: undefined,
      skipEmpty: true,
    });
  });

  it.each(["", "a/b", "a\\b"])("refuses the model tag %j", (modelTag) => {
    expect(() => resolveConvertOptions({ input: "train-max_seq_64-x.jsonl", outDir: "o", modelTag })).toThrow(
      ConfigError,
    );
  });

  it("a model tag labels the rows and names the file without reading it", async () => {
    expect(await resolveRowModel({ input: join(dir, "absent.jsonl"), modelTag: "t" })).toEqual({
      name: "t",
      tag: "t",
    });
  });

  it("without a tag, the recorded model names the rows, with / → _ in the file name", async () => {
    await mkdir(join(dir, "row-model"), { recursive: true });
    const input = await writeJsonl(join(dir, "row-model", "train-max_seq_64-x.jsonl"), [
      rolloutRecord([{ text: "t" }], { model: "org/m" }),
    ]);
    expect(await resolveRowModel({ input, modelTag: undefined })).toEqual({ name: "org/m", tag: "org_m" });
  });
});
