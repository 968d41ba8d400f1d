/** Vega-Lite specs for the report's charts, built from pre-computed counts (specs stay small). */
import type { ChartSpec } from "./section.js";

/** Chart size in pixels (the plotting area; axes and legend come on top). */
const WIDTH = 560;
const HEIGHT = 220;
/** Length histograms overlay at most this many groups; more get one panel each. */
const MAX_OVERLAID = 3;
const PANEL_HEIGHT = 70;
const TARGET_COLOUR = "#b3261e";
/** Series are groups, labelled `hotpotqa keychain 4096`. */
const LEGEND_TITLE = "dataset kind length";

/** Colours of the series, by the group's place in the report (so a group keeps its colour in every chart). */
const PALETTE = [
  "#4c78a8",
  "#f58518",
  "#54a24b",
  "#e45756",
  "#72b7b2",
  "#b279a2",
  "#eeca3b",
  "#9d755d",
  "#ff9da6",
  "#79706e",
  // Ten more hues, darker or off the first ten's, for reports with more groups.
  "#17becf",
  "#bcbd22",
  "#393b79",
  "#843c39",
  "#7b4173",
  "#637939",
  "#8c6d31",
  "#5254a3",
  "#e7969c",
  "#31a354",
] as const;

/** The colour of the group at `index` in the report's group order (the palette repeats after 20). */
export function seriesColour(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** A series of counts per bin, for one dataset × kind × length, drawn in `colour`. */
export interface BinSeries {
  group: string;
  colour: string;
  counts: readonly number[];
}

/** The colour encoding of the series: their labels in order, each in its own colour. */
function colourEncoding(series: readonly { group: string; colour: string }[]) {
  return {
    field: "group",
    type: "nominal",
    sort: series.map((s) => s.group),
    scale: { domain: series.map((s) => s.group), range: series.map((s) => s.colour) },
    title: LEGEND_TITLE,
  };
}

/**
 * Grouped bars: for each bin, one bar per series showing its SHARE of the series' total (so groups of
 * different sizes compare), bins in the order of `bins`.
 */
export function groupedShareBars(o: {
  title: string;
  bins: readonly string[];
  series: readonly BinSeries[];
  xTitle: string;
  yTitle: string;
}): ChartSpec {
  const values = o.series.flatMap((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0);
    return o.bins.map((bin, i) => ({
      group: s.group,
      bin,
      share: total > 0 ? (s.counts[i] ?? 0) / total : 0,
      count: s.counts[i] ?? 0,
    }));
  });
  return {
    title: o.title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: "bar" },
    encoding: {
      x: { field: "bin", type: "ordinal", sort: [...o.bins], title: o.xTitle, axis: { labelAngle: 0 } },
      xOffset: { field: "group", type: "nominal", sort: o.series.map((s) => s.group) },
      y: { field: "share", type: "quantitative", title: o.yTitle, axis: { format: ".0%" } },
      color: colourEncoding(o.series),
    },
  };
}

/**
 * Histogram bars per series over a token axis (each series with its own bins: `lo`, `width`, `counts` as in
 * `LengthHistogram`), with the target length (solid) and budgets (dashed) marked. When L lies far right of
 * the budgets, the axis ends before it and a `target L = … →` label at the right edge stands for the line.
 */
export function lengthHistogram(o: {
  title: string;
  target: number;
  budgets: readonly number[];
  series: readonly { group: string; colour: string; lo: number; width: number; counts: readonly number[] }[];
}): ChartSpec {
  const bars = o.series.flatMap((s) =>
    s.counts.map((count, i) => ({
      group: s.group,
      start: s.lo + i * s.width,
      end: s.lo + (i + 1) * s.width,
      count,
    })),
  );
  const lo = Math.min(...o.series.map((s) => s.lo));
  const dataHi = Math.max(...o.budgets, ...o.series.map((s) => s.lo + s.counts.length * s.width));
  // G is often much larger than the spread of the prompts: then an axis up to L would squeeze the bars into a
  // sliver, so the axis stops a quarter of the data's span after the budget and an arrow points at L.
  const room = (dataHi - lo) / 4;
  const targetShown = o.target <= dataHi + room;
  const hi = targetShown ? Math.max(o.target, dataHi) : dataHi + room;
  const x = { type: "quantitative", scale: { domain: [lo, hi], nice: false, zero: false } } as const;
  const rules = [
    targetShown
      ? { x: o.target, label: `target L = ${o.target}`, kind: "target" }
      : { x: hi, label: `target L = ${o.target} →`, kind: "target-beyond" },
    ...o.budgets
      .filter((b) => b !== o.target)
      .map((b) => ({ x: b, label: `budget L − G = ${b}`, kind: "budget" })),
  ];
  const layers = (series: typeof o.series, labels: boolean, axisTitle: boolean) => [
    {
      data: { values: bars.filter((b) => series.some((s) => s.group === b.group)) },
      mark: { type: "bar", opacity: 0.65, binSpacing: 0 },
      encoding: {
        x: { ...x, field: "start", title: axisTitle ? "prompt tokens" : null },
        x2: { field: "end" },
        y: { field: "count", type: "quantitative", stack: null, title: "records" },
        y2: { datum: 0 },
        color: colourEncoding(o.series),
      },
    },
    ...rules.flatMap((r, i) => [
      ...(r.kind === "target-beyond"
        ? []
        : [
            {
              data: { values: [r] },
              mark: {
                type: "rule",
                color: TARGET_COLOUR,
                strokeWidth: 2,
                ...(r.kind === "budget" ? { strokeDash: [6, 4] } : {}),
              },
              encoding: { x: { ...x, field: "x" } },
            },
          ]),
      ...(labels
        ? [
            {
              data: { values: [r] },
              mark: {
                type: "text",
                color: TARGET_COLOUR,
                align: r.kind === "budget" ? "left" : "right",
                dx: r.kind === "budget" ? 4 : r.kind === "target" ? -4 : 0,
                baseline: "top",
              },
              encoding: { x: { ...x, field: "x" }, y: { value: 2 + 14 * i }, text: { field: "label" } },
            },
          ]
        : []),
    ]),
  ];
  if (o.series.length <= MAX_OVERLAID)
    return { title: o.title, width: WIDTH, height: HEIGHT, layer: layers(o.series, true, true) };
  // More groups than overlaid bars stay readable: one small panel per group on a shared token axis.
  return {
    title: o.title,
    vconcat: o.series.map((s, k) => ({
      title: { text: s.group, fontSize: 11, fontWeight: "normal", offset: 4 },
      width: WIDTH,
      height: PANEL_HEIGHT,
      layer: layers([s], k === 0, k === o.series.length - 1),
    })),
    spacing: 6,
    resolve: { scale: { x: "shared", y: "independent" } },
  };
}
