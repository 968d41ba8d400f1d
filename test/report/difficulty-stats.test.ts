import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { collectStats } from "../../src/report/collect.js";
import { DifficultyAccumulator, type PassCell } from "../../src/report/difficulty-stats.js";
import { renderReportHtml } from "../../src/report/html.js";
import { statsSections } from "../../src/report/sections.js";

const FIX = join(import.meta.dirname, "../fixtures/report");
const PLAIN = join(FIX, "rollout-depth-plain.jsonl");
const KEYCHAIN = join(FIX, "rollout-depth-keychain.jsonl");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-difficulty-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Ten depth cells, all empty except `filled` (bin → [prompts, pass rate]). */
function cells(filled: Record<number, [number, number]>): PassCell[] {
  return Array.from({ length: 10 }, (_, i) => {
    const c = filled[i];
    return c === undefined ? { prompts: 0, passRate: null } : { prompts: c[0], passRate: c[1] };
  });
}

describe("pass rate by evidence depth, from rollout files", () => {
  it("plain: a prompt counts once in every bin holding one of its gold documents", async () => {
    const [l1000, l2000] = (await collectStats([PLAIN])).groups;
    // L = 1000. p1: gold 1, 2 of 10 docs → depths .05, .15 → bins 0, 1; 2 of 4 correct → 0.5.
    //           p2: gold 1, 10 of 10 → .05, .95 → bins 0, 9; 4 of 4 → 1.
    //           p3: gold 1, 2 of 20 → .025, .075 → bin 0 once; 1 of 4 → 0.25.
    expect(l1000!.difficulty).toEqual({
      depth: cells({ 0: [3, (0.5 + 1 + 0.25) / 3], 1: [1, 0.5], 9: [1, 1] }),
      placed: 3,
      unplaced: 0,
      chainPairsMissing: 0,
      byHops: [],
      byChains: [],
    });
    // L = 2000. p4: gold 3 of 5 → .5 → bin 5; 1 of 2 → 0.5. p5 has no gold_positions / num_docs and p6 no
    // trajectories: both are left out of the bins and counted as unplaced.
    expect(l2000!.difficulty).toEqual({
      depth: cells({ 5: [1, 0.5] }),
      placed: 1,
      unplaced: 2,
      chainPairsMissing: 0,
      byHops: [],
      byChains: [],
    });
    // The pass histogram still sees every record.
    expect(l2000!.rollouts!.prompts).toBe(3);
  });

  it("KeyChain: true-chain pairs (the question pair included) by char offset, and pass rate by hops and chains", async () => {
    const [g] = (await collectStats([KEYCHAIN])).groups;
    // k1: {"aa": "bb"} at 0/100, {"bb": "Q1?"} at 50/100 → bins 0, 5; 0.5; 2 hops, 3 chains.
    // k2: {"cc": "Q2?"} at 186/200 → bin 9; 1; 1 hop, 3 chains.
    // k3: {"dd": "ee"} at 10/100 → bin 1, the question pair is missing; 0; 2 hops, 1 chain.
    // k4: no pair found → unplaced; 0.5; 3 hops, 1 chain.
    expect(g!.difficulty).toEqual({
      depth: cells({ 0: [1, 0.5], 1: [1, 0], 5: [1, 0.5], 9: [1, 1] }),
      placed: 3,
      unplaced: 1,
      chainPairsMissing: 2,
      byHops: [
        { value: 1, prompts: 1, passRate: 1 },
        { value: 2, prompts: 2, passRate: 0.25 },
        { value: 3, prompts: 1, passRate: 0.5 },
      ],
      byChains: [
        { value: 1, prompts: 2, passRate: 0.25 },
        { value: 3, prompts: 2, passRate: 0.75 },
      ],
    });
  });

  it("is in the stats JSON of every group with rollouts, and null for the others", async () => {
    const data = await collectStats([PLAIN, KEYCHAIN, join(FIX, "plain.jsonl")]);
    const json = JSON.parse(JSON.stringify(data)) as {
      groups: { dataset: string; kind: string; length: number; difficulty: Record<string, unknown> | null }[];
    };
    expect(json.groups.map((g) => [g.dataset, g.kind, g.length, g.difficulty === null])).toEqual([
      ["hotpotqa", "plain", 1000, false],
      ["hotpotqa", "plain", 2000, false],
      ["musique", "keychain", 1000, false],
    ]);
    const plain = (await collectStats([join(FIX, "plain.jsonl")])).groups[0]!;
    expect([plain.samples?.records, plain.difficulty]).toEqual([3, null]);
    expect(Object.keys(json.groups[0]!.difficulty!)).toEqual([
      "depth",
      "placed",
      "unplaced",
      "chainPairsMissing",
      "byHops",
      "byChains",
    ]);
    expect((json.groups[0]!.difficulty!.depth as unknown[])[2]).toEqual({ prompts: 0, passRate: null });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["gold position", { gold_positions: [1, "2"] }, /line 1, field "gold_positions\[1\]": expected a number/],
    ["num_docs", { num_docs: "10" }, /line 1, field "num_docs": expected a number, got a string/],
  ])("a malformed %s of a plain rollout is an error naming the field", async (_, patch, message) => {
    const path = join(dir, "r.jsonl");
    const trajectories = [{ sub_em: 1, em: 1, f1: 1, is_correct: 1 }];
    const record = { context: "c", target_length: 10, num_docs: 10, gold_positions: [1], trajectories };
    await writeFile(path, `${JSON.stringify({ ...record, ...patch })}\n`);
    const error = await collectStats([path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });

  it("a KeyChain rollout with a malformed chain is an error naming the field", async () => {
    const path = join(dir, "k.jsonl");
    const record = {
      distractor_context: "x",
      chain_head_with_question: "a",
      chain: ["a", 7],
      input: "Q?",
      trajectories: [{ sub_em: 0, em: 0, f1: 0, is_correct: 0 }],
    };
    await writeFile(path, `${JSON.stringify(record)}\n`);
    await expect(collectStats([path])).rejects.toThrow(/line 1, field "chain\[1\]": expected a string/);
  });
});

describe("DifficultyAccumulator", () => {
  it("averages pass rates over prompts per bin; a prompt without trajectories counts nowhere but unplaced", () => {
    const a = new DifficultyAccumulator();
    const row = { pairsMissing: 0, hops: undefined, chains: undefined };
    a.add({ ...row, passRate: 1, depths: [0, 0.01, 0.99] });
    a.add({ ...row, passRate: 0, depths: [0.05, 1] });
    a.add({ ...row, passRate: undefined, depths: [0.5] });
    expect(a.finish()).toMatchObject({
      depth: cells({ 0: [2, 0.5], 9: [2, 0.5] }),
      placed: 2,
      unplaced: 1,
    });
    expect(new DifficultyAccumulator().finish()).toBeNull();
  });
});

describe("the difficulty charts", () => {
  it("a heatmap per kind and the KeyChain hops/chains bars, after the pass-rate distribution", async () => {
    const sections = statsSections(await collectStats([PLAIN, KEYCHAIN]));
    const rollouts = sections.find((s) => s.id === "rollouts")!;
    expect(rollouts.charts.map((c) => c.title)).toEqual([
      "Pass-rate distribution",
      "Pass rate by target length × gold-document depth (plain rollouts)",
      "Pass rate by target length × true-chain depth (KeyChain rollouts)",
      "KeyChain pass rate by hops and by chains",
    ]);
    const [, plain, keychain, bars] = rollouts.charts;
    type Heatmap = {
      data: { values: Record<string, unknown>[] };
      encoding: { y: { scale: { domain: string[] } } };
    };
    const p = plain!.spec as Heatmap;
    expect(p.encoding.y.scale.domain).toEqual(["hotpotqa L=1000", "hotpotqa L=2000"]);
    // Filled cells only: the others stay blank.
    expect(p.data.values.map((v) => [v.row, v.bin, v.prompts, v.rate, v.n])).toEqual([
      ["hotpotqa L=1000", "0.0–0.1", 3, "0.58", "n=3"],
      ["hotpotqa L=1000", "0.1–0.2", 1, "0.50", "n=1"],
      ["hotpotqa L=1000", "0.9–1.0", 1, "1.00", "n=1"],
      ["hotpotqa L=2000", "0.5–0.6", 1, "0.50", "n=1"],
    ]);
    expect(plain!.caption).toContain("2 prompt(s) are not shown");
    expect(keychain!.caption).toContain("2 true-chain pair(s) were not found");
    const panels = (bars!.spec as { hconcat: { layer: { encoding: { x: { title: string } } }[] }[] }).hconcat;
    expect(panels.map((h) => h.layer[0]!.encoding.x.title)).toEqual(["hops", "chains"]);
  });

  it("renders to inline SVG with a count per cell and a hover title", async () => {
    const sections = statsSections(await collectStats([PLAIN]));
    const html = await renderReportHtml(sections);
    expect(html).toContain(
      '<figure aria-label="Pass rate by target length × gold-document depth (plain rollouts)">',
    );
    expect(html).toContain("<title>hotpotqa L=1000, 0.0–0.1: pass rate 58.3% over 3 prompts</title>");
    expect(html).toContain(">n=3</text>");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
