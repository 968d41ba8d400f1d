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

/** Height of one row of a {@link passRateHeatmap}: room for the pass rate and the prompt count. */
const HEATMAP_ROW_HEIGHT = 36;
/** Pass rates are coloured on a fixed 0–1 scale, so heatmaps of different groups and kinds compare. */
/**
 * Pass rates are coloured in 5 classes of 20 points on a fixed 0–1 scale (viridis: dark purple = hard, yellow =
 * easy), so heatmaps of different groups and kinds compare. Classes, not a gradient: vega draws a gradient
 * legend with a global, per-process id (`url(#gradient_7)`), which would make pages differ from run to run.
 */
const PASS_RATE_SCALE = {
  type: "quantize",
  domain: [0, 1],
  // viridis at 0, ¼, ½, ¾ and 1.
  range: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
} as const;
/** Cells in the three darker classes (pass rate below this) get white text. */
const DARK_BELOW = 0.6;

/** One filled cell of a {@link passRateHeatmap}. */
export interface PassRateCell {
  row: string;
  bin: string;
  prompts: number;
  passRate: number;
}

/**
 * A heatmap of mean pass rate: a row per `rows` (top to bottom), a column per `bins`, each filled cell coloured
 * by its pass rate (5 viridis classes over 0–1) and labelled with it and its prompt count (`n=12`), which the cell's hover
 * title repeats (`hotpotqa 4096, 0.3–0.4: pass rate 45.0% over 12 prompts`).
 * Cells not in `cells` stay blank.
 */
export function passRateHeatmap(o: {
  title: string;
  rows: readonly string[];
  bins: readonly string[];
  cells: readonly PassRateCell[];
  xTitle: string;
  /** `null`: no axis title (row labels that speak for themselves). */
  yTitle: string | null;
}): ChartSpec {
  const values = o.cells.map((c) => ({
    ...c,
    rate: c.passRate.toFixed(2),
    n: `n=${c.prompts}`,
    about: `${c.row}, ${c.bin}: ${passRateText(c.passRate, c.prompts)}`,
  }));
  const textColour = {
    condition: { test: `datum.passRate < ${DARK_BELOW}`, value: "white" },
    value: "black",
  };
  return {
    title: o.title,
    // Each cell's description becomes an SVG <title>, shown on hover (renderChartSvg).
    usermeta: { hoverTitles: true },
    width: WIDTH,
    height: HEATMAP_ROW_HEIGHT * o.rows.length,
    data: { values },
    encoding: {
      x: {
        field: "bin",
        type: "ordinal",
        scale: { domain: [...o.bins] },
        title: o.xTitle,
        axis: { labelAngle: 0, domain: false, ticks: false, grid: false },
      },
      y: {
        field: "row",
        type: "ordinal",
        scale: { domain: [...o.rows] },
        title: o.yTitle,
        axis: { domain: false, ticks: false, grid: false },
      },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1.5 },
        encoding: {
          color: {
            field: "passRate",
            type: "quantitative",
            scale: PASS_RATE_SCALE,
            title: "pass rate",
            // Below the chart, in a row, so that a heatmap of one or two rows is not stretched by its legend.
            legend: { format: ".0%", orient: "bottom", direction: "horizontal", symbolType: "square" },
          },
          description: { field: "about" },
        },
      },
      {
        mark: { type: "text", baseline: "bottom", dy: -1, fontSize: 12 },
        encoding: { text: { field: "rate" }, color: textColour },
      },
      {
        mark: { type: "text", baseline: "top", dy: 2, fontSize: 9 },
        encoding: { text: { field: "n" }, color: textColour },
      },
    ],
  };
}

/** A panel's width: room for a bar per series at every value, within {@link SMALL_WIDTH}. */
function panelWidth(series: readonly PassRateSeries[], seriesCount: number): number {
  const values = new Set(series.flatMap((s) => s.points.map((p) => p.value))).size;
  const wanted = values * Math.max(40, SMALL_BAR * (seriesCount + 1));
  return Math.min(SMALL_WIDTH.max, Math.max(SMALL_WIDTH.min, wanted));
}

/** `pass rate 45.0% over 12 prompts`, the hover title of a pass-rate mark. */
function passRateText(passRate: number, prompts: number): string {
  return `pass rate ${(100 * passRate).toFixed(1)}% over ${prompts} prompt${prompts === 1 ? "" : "s"}`;
}

/** A series of pass rates per value of a count (hops, chains), for one group, drawn in `colour`. */
export interface PassRateSeries {
  group: string;
  colour: string;
  points: readonly { value: number; prompts: number; passRate: number }[];
}

/** One panel of {@link passRateByCountBars}: its height, its width range and the least width of a bar. */
const SMALL_HEIGHT = 160;
const SMALL_WIDTH = { min: 120, max: 360 };
const SMALL_BAR = 20;

/**
 * Side-by-side small panels of grouped bars, one per count (`panels`, e.g. hops and chains): for each value of
 * the count, one bar per series with its mean pass rate (0–1, shared axis), its prompt count on top.
 */
export function passRateByCountBars(o: {
  title: string;
  panels: readonly { title: string; series: readonly PassRateSeries[] }[];
}): ChartSpec {
  const all = o.panels.flatMap((p) => p.series);
  const legend = [...new Map(all.map((s) => [s.group, s])).values()];
  const panel = (p: (typeof o.panels)[number]) => {
    const values = p.series.flatMap((s) =>
      s.points.map((pt) => ({
        group: s.group,
        ...pt,
        n: String(pt.prompts),
        about: `${s.group}, ${pt.value} ${p.title}: ${passRateText(pt.passRate, pt.prompts)}`,
      })),
    );
    const x = {
      field: "value",
      type: "ordinal",
      title: p.title,
      sort: "ascending",
      axis: { labelAngle: 0, grid: false },
    };
    const xOffset = { field: "group", type: "nominal", sort: legend.map((s) => s.group) };
    return {
      width: panelWidth(p.series, legend.length),
      height: SMALL_HEIGHT,
      data: { values },
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            x,
            xOffset,
            y: {
              field: "passRate",
              type: "quantitative",
              title: "mean pass rate",
              scale: { domain: [0, 1] },
              axis: { format: ".0%" },
            },
            color: colourEncoding(legend),
            description: { field: "about" },
          },
        },
        {
          mark: { type: "text", baseline: "bottom", dy: -2, fontSize: 9, color: "#5f6368" },
          encoding: {
            x,
            xOffset,
            y: { field: "passRate", type: "quantitative" },
            text: { field: "n" },
          },
        },
      ],
    };
  };
  return {
    title: o.title,
    usermeta: { hoverTitles: true },
    hconcat: o.panels.map(panel),
    spacing: 24,
    resolve: { scale: { y: "shared", color: "shared" } },
  };
}
