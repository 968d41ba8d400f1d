import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { collectStats } from "../../src/report/collect.js";
import { KEYCHAIN_PROMPT_START } from "../../src/report/group-kind.js";
import type { GroupStats } from "../../src/report/group-stats.js";
import { detectRecordKind, type RecordKind } from "../../src/report/kinds.js";

const FIX = join(import.meta.dirname, "../fixtures/report");
const fixture = (name: string) => join(FIX, name);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-report-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonl(name: string, lines: readonly (string | Record<string, unknown>)[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`).join(""));
  return path;
}

const plainRecord = {
  context: "Passage 1:\nx",
  input: "Q?",
  length: 950,
  prompt_length: 900,
  target_length: 1000,
  num_docs: 4,
  gold_positions: [2],
  dataset: "squad",
};

describe("detectRecordKind", () => {
  it.each<[string, unknown, RecordKind | undefined]>([
    ["plain", { context: "c", prompt_length: 3 }, "plain"],
    [
      "keychain (written before kind)",
      { context: "c", prompt_length: 3, distractor_context: "d", chain_head_with_question: "h" },
      "keychain",
    ],
    ["keychain by its kind", { kind: "keychain", context: "c", prompt_length: 3 }, "keychain"],
    ["plain by its kind", { kind: "plain", context: "c", prompt_length: 3 }, "plain"],
    ["unknown kind", { kind: "other", context: "c", prompt_length: 3 }, undefined],
    ["rollout over plain", { context: "c", trajectories: [] }, "rollout-plain"],
    [
      "rollout over keychain",
      { distractor_context: "d", chain_head_with_question: "a", trajectories: [] },
      "rollout-keychain",
    ],
    ["sft row", { messages: [], f1: 1 }, "sft"],
    ["sft row wins over trajectories", { messages: [], trajectories: [] }, "sft"],
    ["question record", { id: "1", question: "q" }, undefined],
    ["array", [1, 2], undefined],
    ["null", null, undefined],
    ["string", "plain", undefined],
  ])("%s", (_name, value, kind) => {
    expect(detectRecordKind(value)).toBe(kind);
  });
});

describe("collectStats on the fixture files", () => {
  const files = ["plain.jsonl", "keychain.jsonl", "rollout.jsonl", "rollout-keychain.jsonl", "sft.jsonl"].map(
    fixture,
  );
  const groupOf = (groups: readonly GroupStats[], label: string): GroupStats => {
    const g = groups.find((x) => `${x.dataset} ${x.kind} ${x.length ?? "–"}` === label);
    if (!g) throw new Error(`no group ${label}`);
    return g;
  };

  it("detects each file's kind, counts records and reads the plain file's sidecar", async () => {
    const data = await collectStats(files);
    expect(data.files.map((f) => [f.kind, f.records, f.sidecar !== null, f.skipped])).toEqual([
      ["plain", 3, true, 3],
      ["keychain", 3, false, 0],
      ["rollout-plain", 3, false, 0],
      ["rollout-keychain", 2, false, 0],
      ["sft", 5, false, 0],
    ]);
  });

  it("groups by dataset × kind × length, sorted by dataset, kind (plain first), length (none last)", async () => {
    const data = await collectStats(files);
    // The rollouts over plain and over KeyChain prompts of hotpotqa 1000 stay apart, and so do the SFT rows
    // (the last row's user message is the KeyChain prompt, after a system message).
    expect(data.groups.map((g) => [g.dataset, g.kind, g.length])).toEqual([
      ["hotpotqa", "plain", 1000],
      ["hotpotqa", "plain", null],
      ["hotpotqa", "keychain", 1000],
      ["hotpotqa", "keychain", null],
      ["musique", "keychain", 2000],
    ]);
    expect(
      data.groups.map((g) => [
        g.samples?.records ?? 0,
        g.rollouts?.prompts ?? 0,
        g.sft?.rows ?? 0,
        g.skips?.total ?? 0,
      ]),
    ).toEqual([
      [3, 3, 0, 3],
      [0, 0, 4, 0],
      [0, 2, 0, 0],
      [0, 0, 1, 0],
      [3, 0, 0, 0],
    ]);
  });

  it("computes lengths, fill, over-budget and gold depth by hand-checked numbers", async () => {
    const groups = (await collectStats(files)).groups;
    const hotpot = groupOf(groups, "hotpotqa plain 1000");
    const musique = groupOf(groups, "musique keychain 2000");
    // hotpotqa L=1000, G=100: prompts 880, 890, 905 (the last is over the 900 budget).
    const s = hotpot.samples!;
    expect([s.records, s.overBudget, s.generation]).toEqual([3, 1, { min: 100, max: 100 }]);
    expect(s.promptLength).toMatchObject({ count: 3, min: 880, p5: 880, p50: 890, p95: 905, max: 905 });
    expect(s.fill.min).toBeCloseTo(880 / 900, 12);
    expect(s.fill.max).toBeCloseTo(905 / 900, 12);
    expect(s.fill.mean).toBeCloseTo((880 + 890 + 905) / 3 / 900, 12);
    // Gold positions [1,2], [5,6], [10] of 10 docs → depths .05 .15 .45 .55 .95.
    expect(s.goldDocs).toBe(5);
    expect(s.goldDepth).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 1]);
    // Budget 900, shortest 880: 20 bins of ⌈21/20⌉ = 2 tokens, (860, 862] … (898, 900], so 880 → bin 9,
    // 890 → bin 14, and 905 (over budget) → bin 22, after the budget edge.
    expect(s.lengthHistogram).toEqual({
      lo: 860,
      width: 2,
      counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1],
    });
    // musique L=2000, G=200: gold [1,4] of 4 → .125 .875; [3] of 5 → .5; [10] of 10 → .95.
    const m = musique.samples!;
    expect(m.promptLength).toMatchObject({ min: 1700, p50: 1750, max: 1800 });
    expect(m.overBudget).toBe(0);
    expect(m.fill.max).toBe(1);
    // Budget 1800, shortest 1700: bins of ⌈101/20⌉ = 6 tokens from 1680; a prompt of exactly 1800 fills the
    // last bin before the budget edge (right-closed bins), not the first after it.
    expect(m.lengthHistogram.lo).toBe(1680);
    expect(m.lengthHistogram.width).toBe(6);
    expect(m.lengthHistogram.counts).toHaveLength(20);
    expect(m.lengthHistogram.counts[19]).toBe(1);
    expect(m.goldDepth).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 1, 1]);
  });

  it("finds the true chain's pairs in distractor_context and bins their depth", async () => {
    const musique = (await collectStats([fixture("keychain.jsonl")])).groups[0]!;
    const k = musique.keychain!;
    expect([k.records, k.chains.p50, k.hops.p50, k.numPairs.max, k.distractQuestions.p50]).toEqual([
      3, 2, 2, 4, 1,
    ]);
    // Record 1: pairs at 10/100 and 55/100; record 2: 0/200 and 150/200; record 3: 50/100, last pair absent.
    expect([k.chainPairs, k.chainPairsMissing]).toEqual([5, 1]);
    expect(k.pairDepth).toEqual([1, 1, 0, 0, 0, 2, 0, 1, 0, 0]);
  });

  it("summarises rollouts: pass histogram, mean rewards, non-constant prompts", async () => {
    const r = (await collectStats([fixture("rollout.jsonl")])).groups[0]!.rollouts!;
    // Trajectories (sub_em, em, f1, correct): 4 wrong (f1 0, .5, 0, 0); 2 correct of 4 (f1 1, .5, 0, .25);
    // 4 correct (f1 1 each).
    expect(r).toMatchObject({
      prompts: 3,
      trajectories: 12,
      maxSamples: 4,
      passHistogram: [1, 0, 1, 0, 1],
      nonConstant: 1,
      allCorrect: 1,
      allWrong: 1,
    });
    expect(r.meanSubEm).toBe(6 / 12);
    expect(r.meanEm).toBeCloseTo(5 / 12, 12);
    expect(r.meanF1).toBeCloseTo(6.25 / 12, 12);
  });

  it("keeps rollouts over KeyChain prompts in their own group", async () => {
    const [g] = (await collectStats([fixture("rollout-keychain.jsonl")])).groups;
    expect([g!.dataset, g!.kind, g!.length, g!.samples]).toEqual(["hotpotqa", "keychain", 1000, null]);
    // Prompt 1: 4 wrong (f1 0, 0, 0, .2); prompt 2: 1 correct of 4 (f1 1, 0, 0, 0).
    expect(g!.rollouts).toMatchObject({
      prompts: 2,
      trajectories: 8,
      passHistogram: [1, 1, 0, 0, 0],
      meanSubEm: 1 / 8,
      meanEm: 1 / 8,
      nonConstant: 1,
      allCorrect: 0,
      allWrong: 1,
    });
    expect(g!.rollouts!.meanF1).toBeCloseTo(1.2 / 8, 12);
  });

  it("summarises SFT rows: prompts by source_index, kept prompts, f1 bins, kind by the user message", async () => {
    const [g, k] = (await collectStats([fixture("sft.jsonl")])).groups;
    expect([g!.dataset, g!.kind, g!.length]).toEqual(["hotpotqa", "plain", null]);
    expect(g!.sft).toMatchObject({ rows: 4, prompts: 3, correctRows: 2, keptPrompts: 2 });
    expect(g!.sft!.f1).toMatchObject({ mean: 0.5625, p50: 0.5 });
    expect(g!.sft!.f1Histogram).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0, 1]);
    expect([k!.dataset, k!.kind, k!.length]).toEqual(["hotpotqa", "keychain", null]);
    expect(k!.sft).toMatchObject({ rows: 1, prompts: 1, correctRows: 1, keptPrompts: 1 });
    expect(KEYCHAIN_PROMPT_START).toBe("Please read the following text.");
  });

  it("groups skip reasons with digits replaced, most frequent first", async () => {
    const g = (await collectStats([fixture("plain.jsonl")])).groups[0]!;
    expect(g.skips).toEqual({
      total: 3,
      reasons: [
        { reason: "no room for the gold documents: needs N tokens, budget N", count: 2 },
        { reason: "question has no answer", count: 1 },
      ],
    });
    const without = await collectStats([fixture("plain.jsonl")], { sidecars: false });
    expect(without.groups[0]!.skips).toBeNull();
    expect(without.files[0]!.sidecar).toBeNull();
  });

  it("reads an empty output file as kind null and still reports its sidecar's skips, by the sidecar's kind", async () => {
    const path = await jsonl("empty.jsonl", []);
    await writeFile(
      `${path}.meta.json`,
      JSON.stringify({
        kind: "keychain",
        dataset: "squad",
        options: { max_seq_length: 500 },
        summary: { skipped: [{ reason: "r 1" }] },
      }),
    );
    const data = await collectStats([path]);
    expect(data.files[0]).toMatchObject({ kind: null, records: 0, skipped: 1 });
    expect(data.groups[0]).toMatchObject({
      dataset: "squad",
      kind: "keychain",
      length: 500,
      samples: null,
      skips: { total: 1 },
    });
  });

  it("a sidecar without a kind takes the kind of the file it sits next to", async () => {
    const path = await jsonl("p.jsonl", [plainRecord]);
    await writeFile(
      `${path}.meta.json`,
      JSON.stringify({
        dataset: "squad",
        options: { max_seq_length: 1000 },
        summary: { skipped: [{ reason: "r" }] },
      }),
    );
    const [g] = (await collectStats([path])).groups;
    expect([g!.kind, g!.samples?.records, g!.skips?.total]).toEqual(["plain", 1, 1]);
  });
});

describe("collectStats dataset names", () => {
  it("a rollout or SFT record without a dataset is named after its file's folder", async () => {
    await mkdir(join(dir, "musique-filter"));
    const trajectories = [{ text: "t", extracted_answer: "a", sub_em: 1, em: 1, f1: 1, is_correct: 1 }];
    const rollout = await jsonl("musique-filter/r.jsonl", [
      { id: "q1", input: "Q?", context: "C", answers: ["a"], trajectories, num_correct: 1, pass_rate: 1 },
    ]);
    const sft = await jsonl("musique-filter/s.jsonl", [
      {
        messages: [
          { role: "user", content: "The following…" },
          { role: "assistant", content: "a" },
        ],
        f1: 1,
      },
    ]);
    const groups = (await collectStats([rollout, sft])).groups;
    expect(groups.map((g) => [g.dataset, g.rollouts?.prompts ?? 0, g.sft?.rows ?? 0])).toEqual([
      ["musique-filter", 1, 1],
    ]);
  });
});

describe("collectStats errors name the file, line and field", () => {
  it.each<[string, (string | Record<string, unknown>)[], RegExp, Record<string, unknown>]>([
    ["invalid JSON", [plainRecord, "{oops"], /line 2: not valid JSON/, { line: 2 }],
    [
      "missing field",
      [{ ...plainRecord, prompt_length: null }],
      /line 1, field "prompt_length": expected a number, got null/,
      { line: 1, field: "prompt_length" },
    ],
    [
      "bad gold position",
      [plainRecord, { ...plainRecord, gold_positions: [1, "2"] }],
      /line 2, field "gold_positions\[1\]": expected a number, got a string/,
      { line: 2, field: "gold_positions[1]" },
    ],
    [
      "unknown record",
      [{ id: "x", question: "q" }],
      /line 1: not a plain, KeyChain, rollout or SFT record/,
      { line: 1 },
    ],
    [
      "mixed kinds",
      [plainRecord, { messages: [] }],
      /line 2: expected a plain record like the first one, got a sft record/,
      { line: 2 },
    ],
    [
      "SFT row without a user message",
      [
        {
          messages: [
            { role: "system", content: "s" },
            { role: "assistant", content: "a" },
          ],
        },
      ],
      /line 1, field "messages": expected a message with role "user", found none/,
      { line: 1, field: "messages" },
    ],
    [
      "SFT user message that is not text",
      [{ messages: [{ role: "user", content: ["part"] }] }],
      /line 1, field "messages\[0\]\.content": expected a string, got an array/,
      { line: 1, field: "messages[0].content" },
    ],
    [
      "bad trajectory",
      [{ ...plainRecord, trajectories: [{ sub_em: 1, em: 1, f1: "x", is_correct: 1 }] }],
      /field "trajectories\[0\]\.f1": expected a number, got a string/,
      { line: 1, field: "trajectories[0].f1" },
    ],
  ])("%s", async (_name, lines, message, place) => {
    const path = await jsonl("bad.jsonl", lines);
    const error = await collectStats([path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(message);
    expect((error as InputError).message).toContain(`Cannot read "${path}"`);
    expect((error as InputError).place).toMatchObject({ file: path, ...place });
  });

  it.each<[string, unknown[], Record<string, unknown>, string]>([
    [
      "no max_seq_length",
      [plainRecord],
      { kind: "plain", options: {} },
      'field "options.max_seq_length": expected a number, got undefined',
    ],
    [
      "a kind that is not plain or keychain",
      [plainRecord],
      { kind: "rollout" },
      'field "kind": expected "plain" or "keychain", got "rollout"',
    ],
    [
      "a kind that disagrees with the data file",
      [plainRecord],
      { kind: "keychain" },
      'field "kind": says "keychain" but the data file next to it holds plain records',
    ],
    [
      "no kind next to an empty data file",
      [],
      {},
      'field "kind": missing: needed to tell "plain" from "keychain" as the data file is empty',
    ],
  ])("a bad sidecar (%s) names the sidecar file and the field", async (_name, records, meta, message) => {
    const path = await jsonl("p.jsonl", records as Record<string, unknown>[]);
    await writeFile(
      `${path}.meta.json`,
      JSON.stringify({
        dataset: "squad",
        options: { max_seq_length: 1000 },
        summary: { skipped: [] },
        ...meta,
      }),
    );
    await expect(collectStats([path])).rejects.toThrow(`Cannot read "${path}.meta.json", ${message}`);
  });

  it("a missing file is an InputError naming it", async () => {
    const path = join(dir, "nope.jsonl");
    const error = await collectStats([path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^Cannot read ".*nope\.jsonl": cannot read the file: ENOENT/);
  });
});
