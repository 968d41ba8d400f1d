import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collectStats } from "../../src/report/collect.js";
import { GROUP_COLUMNS, groupLabel, statsSections } from "../../src/report/sections.js";

const FIX = join(import.meta.dirname, "../fixtures/report");
const FILES = ["plain.jsonl", "keychain.jsonl", "rollout.jsonl", "rollout-keychain.jsonl", "sft.jsonl"].map(
  (f) => join(FIX, f),
);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kcs-sections-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Values = { values: { group: string }[] };
type Colour = { field: string; scale: { domain: string[]; range: string[] } };

/**
 * label → colour of every series in a chart spec (grouped bars, the length histogram's bar layer, the first
 * panel of side-by-side bars); none for the pass-rate heatmaps, which colour by value.
 */
function colours(spec: Record<string, unknown>): Record<string, string> {
  const view = (spec.hconcat as Record<string, unknown>[] | undefined)?.[0] ?? spec;
  const layer = (view.layer as Record<string, unknown>[] | undefined)?.[0] ?? view;
  const colour = (layer.encoding as Record<string, unknown>).color as Colour;
  if (colour.field !== "group") return {};
  const { domain, range } = colour.scale;
  return Object.fromEntries(domain.map((d, i) => [d, range[i] as string]));
}

describe("statsSections", () => {
  it("labels groups by dataset, kind and length", () => {
    expect(groupLabel({ dataset: "hotpotqa", kind: "keychain", length: 4096 })).toBe(
      "hotpotqa keychain 4096",
    );
    expect(groupLabel({ dataset: "hotpotqa", kind: "plain", length: null })).toBe("hotpotqa plain");
  });

  it("starts every table keyed by group with dataset, kind, length", async () => {
    const sections = statsSections(await collectStats(FILES));
    const keyed = sections.flatMap((s) => s.tables).filter((t) => t.columns[0] === "dataset");
    expect(keyed.map((t) => t.title)).toEqual([
      "Records per group",
      "Prompt tokens",
      "Fill of the prompt budget",
      "Gold documents per depth bin",
      "Chains and pairs",
      "True-chain pairs per depth bin",
      "Skips by reason",
      "Rewards",
      "Prompts by number of correct trajectories",
      "Rows and kept prompts",
      "Rows per f1 bin",
    ]);
    for (const t of keyed) expect(t.columns.slice(0, 3)).toEqual([...GROUP_COLUMNS]);
  });

  it("gives a group the same colour in every chart, and each chart's groups distinct colours", async () => {
    const charts = statsSections(await collectStats(FILES)).flatMap((s) => s.charts);
    const seen = new Map<string, string>();
    for (const c of charts) {
      const byGroup = colours(c.spec);
      expect(new Set(Object.values(byGroup)).size).toBe(Object.keys(byGroup).length);
      for (const [group, colour] of Object.entries(byGroup)) {
        expect(seen.get(group) ?? colour).toBe(colour);
        seen.set(group, colour);
      }
    }
    // Every group with a chart is drawn: the pass-rate chart has both hotpotqa 1000 kinds.
    const pass = charts.find((c) => c.title === "Pass-rate distribution")!;
    expect(new Set((pass.spec.data as Values).values.map((v) => v.group))).toEqual(
      new Set(["hotpotqa plain 1000", "hotpotqa keychain 1000"]),
    );
    expect(seen.size).toBe(5);
  });

  it("puts a budget-filling prompt in the bar that ends at the budget line", async () => {
    const lengths = statsSections(await collectStats([join(FIX, "keychain.jsonl")])).find(
      (s) => s.id === "lengths",
    )!;
    const spec = lengths.charts[0]!.spec as { layer: { data: { values: Record<string, number>[] } }[] };
    const bars = spec.layer[0]!.data.values.filter((b) => b.count! > 0);
    // musique L = 2000, G = 200: prompts 1700, 1750, 1800 in 6-token bins from 1680; 1800 is in (1794, 1800].
    expect(bars.map((b) => [b.start, b.end, b.count])).toEqual([
      [1698, 1704, 1],
      [1746, 1752, 1],
      [1794, 1800, 1],
    ]);
  });

  it("shows no skip table when the sidecars list no skips", async () => {
    const path = join(dir, "p.jsonl");
    const first = (await readFile(join(FIX, "plain.jsonl"), "utf8")).split("\n")[0];
    await writeFile(path, `${first}\n`);
    await writeFile(
      `${path}.meta.json`,
      JSON.stringify({
        kind: "plain",
        dataset: "hotpotqa",
        options: { max_seq_length: 1000 },
        summary: { skipped: [] },
      }),
    );
    const skips = statsSections(await collectStats([path])).find((s) => s.id === "skips")!;
    expect(skips.intro).toBe(
      "Questions the generator skipped, from 1 .meta.json sidecar(s). None were skipped.",
    );
    expect(skips.tables).toEqual([]);
  });
});
