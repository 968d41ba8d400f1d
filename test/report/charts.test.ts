import { describe, expect, it } from "vitest";
import { groupedShareBars, lengthHistogram, seriesColour } from "../../src/report/charts.js";

type Layer = { mark: { type: string; strokeDash?: number[] }; data: { values: Record<string, unknown>[] } };

/** The rule and text marks of a length histogram: [mark type, x, label]. */
function marks(spec: Record<string, unknown>): [string, unknown, unknown][] {
  return (spec.layer as Layer[])
    .slice(1)
    .map((l) => [l.mark.type, l.data.values[0]?.x, l.data.values[0]?.label] as [string, unknown, unknown]);
}

describe("lengthHistogram", () => {
  const series = (lo: number, width: number, counts: number[]) => [
    { group: "hotpotqa plain 1000", colour: seriesColour(0), lo, width, counts },
  ];

  it("draws the target line when L is near the budget", () => {
    // Prompts 500–900 (bins of 20 from 500), budget 900: L = 1000 is within a quarter of the span past 900.
    const spec = lengthHistogram({
      title: "t",
      target: 1000,
      budgets: [900],
      series: series(500, 20, new Array(20).fill(1)),
    });
    expect(marks(spec)).toEqual([
      ["rule", 1000, "target L = 1000"],
      ["text", 1000, "target L = 1000"],
      ["rule", 900, "budget L − G = 900"],
      ["text", 900, "budget L − G = 900"],
    ]);
    const layer = (spec.layer as { encoding: { x: { scale: { domain: number[] } } } }[])[0]!;
    expect(layer.encoding.x.scale.domain).toEqual([500, 1000]);
  });

  it("ends the axis after the budget and points at a far target with a label", () => {
    // Prompts 860–900 (bins of 2 from 860), budget 900, L = 1000: 100 tokens past a 40-token span.
    const spec = lengthHistogram({
      title: "t",
      target: 1000,
      budgets: [900],
      series: series(860, 2, new Array(20).fill(1)),
    });
    expect(marks(spec)).toEqual([
      ["text", 910, "target L = 1000 →"],
      ["rule", 900, "budget L − G = 900"],
      ["text", 900, "budget L − G = 900"],
    ]);
  });

  it("overlays up to 3 groups; more get one panel each, labels once, the axis title under the last", () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, k) => ({
        group: `g${k}`,
        colour: seriesColour(k),
        lo: 4,
        width: 2,
        counts: [k, 1, 0],
      }));
    expect(lengthHistogram({ title: "t", target: 10, budgets: [8], series: many(3) }).layer).toBeDefined();
    const spec = lengthHistogram({ title: "t", target: 10, budgets: [8], series: many(4) });
    const panels = spec.vconcat as { title: { text: string }; layer: Layer[] }[];
    expect(panels.map((p) => p.title.text)).toEqual(["g0", "g1", "g2", "g3"]);
    expect(panels.map((p) => p.layer[0]!.data.values.map((v) => (v as { group: string }).group))).toEqual(
      [0, 1, 2, 3].map((k) => [`g${k}`, `g${k}`, `g${k}`]),
    );
    const texts = panels.map((p) =>
      p.layer.filter((l) => (l as { mark: { type: string } }).mark.type === "text"),
    );
    expect(texts.map((t) => t.length)).toEqual([2, 0, 0, 0]);
    const axisTitles = panels.map(
      (p) => (p.layer[0] as unknown as { encoding: { x: { title: string | null } } }).encoding.x.title,
    );
    expect(axisTitles).toEqual([null, null, null, "prompt tokens"]);
  });

  it("draws bars from each series' own bins", () => {
    const spec = lengthHistogram({ title: "t", target: 10, budgets: [8], series: series(4, 2, [1, 0, 3]) });
    expect((spec.layer as Layer[])[0]!.data.values).toEqual([
      { group: "hotpotqa plain 1000", start: 4, end: 6, count: 1 },
      { group: "hotpotqa plain 1000", start: 6, end: 8, count: 0 },
      { group: "hotpotqa plain 1000", start: 8, end: 10, count: 3 },
    ]);
  });
});

describe("groupedShareBars", () => {
  it("turns counts into shares per series and colours series by the given colours", () => {
    const spec = groupedShareBars({
      title: "t",
      bins: ["0", "1"],
      series: [
        { group: "a plain 1", colour: "#111111", counts: [1, 3] },
        { group: "a keychain 1", colour: "#222222", counts: [0, 0] },
      ],
      xTitle: "x",
      yTitle: "y",
    });
    expect((spec.data as { values: unknown[] }).values).toEqual([
      { group: "a plain 1", bin: "0", share: 0.25, count: 1 },
      { group: "a plain 1", bin: "1", share: 0.75, count: 3 },
      { group: "a keychain 1", bin: "0", share: 0, count: 0 },
      { group: "a keychain 1", bin: "1", share: 0, count: 0 },
    ]);
    expect((spec.encoding as { color: unknown }).color).toMatchObject({
      scale: { domain: ["a plain 1", "a keychain 1"], range: ["#111111", "#222222"] },
      title: "dataset kind length",
    });
  });

  it("cycles through 20 distinct colours", () => {
    expect(seriesColour(20)).toBe(seriesColour(0));
    expect(new Set(Array.from({ length: 20 }, (_, i) => seriesColour(i))).size).toBe(20);
  });
});
