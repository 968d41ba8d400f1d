/** {@link ReportData} → report sections (tables + Vega-Lite charts), shared by `stats` and `report`. */
import {
  groupedShareBars,
  lengthHistogram,
  type PassRateCell,
  passRateByCountBars,
  passRateHeatmap,
  seriesColour,
} from "./charts.js";
import type { ReportData } from "./collect.js";
import type { PassByValue } from "./difficulty-stats.js";
import { DEPTH_BINS } from "./distribution.js";
import { fillText, rewardText, shareText } from "./format.js";
import type { GroupKind } from "./group-kind.js";
import type { GroupStats } from "./group-stats.js";
import type { Cell, Chart, ReportSection, Table } from "./section.js";

/** `hotpotqa keychain 16384`, or without the length when there is no target length (SFT rows). */
export function groupLabel(g: Pick<GroupStats, "dataset" | "kind" | "length">): string {
  return g.length === null ? `${g.dataset} ${g.kind}` : `${g.dataset} ${g.kind} ${g.length}`;
}

/** The leading columns of every table keyed by group; {@link key} gives their cells. */
export const GROUP_COLUMNS: readonly string[] = ["dataset", "kind", "length"];

/** Labels of the 10 relative-depth bins: `0.0–0.1` … `0.9–1.0`. */
export const DEPTH_LABELS: readonly string[] = Array.from(
  { length: DEPTH_BINS },
  (_, i) => `${(i / DEPTH_BINS).toFixed(1)}–${((i + 1) / DEPTH_BINS).toFixed(1)}`,
);

/** `a` when equal, else `a–b`. */
function range(min: number, max: number): string {
  return min === max ? String(min) : `${min}–${max}`;
}

/** The {@link GROUP_COLUMNS} cells of a group. */
function key(g: GroupStats): Cell[] {
  return [g.dataset, g.kind, g.length];
}

/** A group's chart series: its label and its colour (the same in every chart). */
function seriesOf(data: ReportData, g: GroupStats): { group: string; colour: string } {
  return { group: groupLabel(g), colour: seriesColour(colourOrder(data).indexOf(g)) };
}

const colourOrders = new WeakMap<ReportData, GroupStats[]>();

/**
 * Groups in the order colours are handed out: groups with samples first (they share the most charts), then
 * groups with rollouts, then the rest, so the first palette colours, the most distinct, go where charts are
 * crowded.
 */
function colourOrder(data: ReportData): GroupStats[] {
  let order = colourOrders.get(data);
  if (order === undefined) {
    const rank = (g: GroupStats) => (g.samples !== null ? 0 : g.rollouts !== null ? 1 : 2);
    order = [...data.groups].sort((a, b) => rank(a) - rank(b));
    colourOrders.set(data, order);
  }
  return order;
}

/** A table of each group's counts per bin, one column a bin. */
function binTable(
  title: string,
  groups: readonly GroupStats[],
  bins: readonly string[],
  counts: (g: GroupStats) => readonly Cell[],
): Table {
  return { title, columns: [...GROUP_COLUMNS, ...bins], rows: groups.map((g) => [...key(g), ...counts(g)]) };
}

/** Grouped bars of each group's share of its counts per bin ({@link groupedShareBars}), under one title. */
function shareChart(
  data: ReportData,
  groups: readonly GroupStats[],
  o: {
    title: string;
    bins: readonly string[];
    counts: (g: GroupStats) => readonly number[];
    xTitle: string;
    yTitle: string;
    caption: string;
  },
): Chart {
  return {
    title: o.title,
    spec: groupedShareBars({
      title: o.title,
      bins: o.bins,
      series: groups.map((g) => ({ ...seriesOf(data, g), counts: o.counts(g) })),
      xTitle: o.xTitle,
      yTitle: o.yTitle,
    }),
    caption: o.caption,
  };
}

/** The sections that have data, in reading order: overview, lengths, gold, KeyChain, skips, rollouts, SFT. */
export function statsSections(data: ReportData): ReportSection[] {
  return [
    overviewSection(data),
    lengthsSection(data),
    goldSection(data),
    keychainSection(data),
    skipsSection(data),
    rolloutsSection(data),
    sftSection(data),
  ].filter((s): s is ReportSection => s !== null);
}

function overviewSection(data: ReportData): ReportSection {
  return {
    id: "overview",
    title: "Overview",
    intro: `${data.files.length} file(s), ${data.groups.length} dataset × kind × length group(s). Each file's kind is detected from its records; rollouts and SFT rows count under the kind of their prompt (plain or KeyChain).`,
    tables: [
      {
        title: "Files",
        columns: ["file", "kind", "records", "skipped"],
        rows: data.files.map((f) => [f.path, f.kind ?? "empty", f.records, f.sidecar ? f.skipped : null]),
        note: "skipped: samples listed in the file's .meta.json sidecar (– when there is none).",
      },
      {
        title: "Records per group",
        columns: [...GROUP_COLUMNS, "samples", "skipped", "rollout prompts", "sft rows"],
        rows: data.groups.map((g) => [
          ...key(g),
          g.samples?.records ?? 0,
          g.skips?.total ?? 0,
          g.rollouts?.prompts ?? 0,
          g.sft?.rows ?? 0,
        ]),
      },
    ],
    charts: [],
  };
}

function lengthsSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.samples !== null);
  if (groups.length === 0) return null;
  const tokens: Table = {
    title: "Prompt tokens",
    columns: [...GROUP_COLUMNS, "records", "G", "min", "p5", "p50", "p95", "max", "over budget"],
    rows: groups.map((g) => {
      const s = g.samples!;
      const p = s.promptLength;
      return [
        ...key(g),
        p.count,
        range(s.generation.min, s.generation.max),
        p.min,
        p.p5,
        p.p50,
        p.p95,
        p.max,
        s.overBudget,
      ];
    }),
    note: "prompt_length in tokens; G = length − prompt_length (tokens left for generation); over budget = records with length > target length (must be 0). Percentiles are nearest-rank.",
  };
  const fill: Table = {
    title: "Fill of the prompt budget",
    columns: [...GROUP_COLUMNS, "min", "p5", "p50", "p95", "max", "mean"],
    rows: groups.map((g) => {
      const f = g.samples!.fill;
      return [...key(g), ...[f.min, f.p5, f.p50, f.p95, f.max, f.mean].map(fillText)];
    }),
    note: "fill = prompt_length / (target length − G): 100% means the prompt uses its whole budget; over 100% is over budget.",
  };
  const lengths = [...new Set(groups.map((g) => g.length))].filter((l): l is number => l !== null);
  const charts: Chart[] = lengths.map((length) => {
    const at = groups.filter((g) => g.length === length);
    const budgets = [...new Set(at.flatMap((g) => [g.samples!.generation.min, g.samples!.generation.max]))]
      .map((gen) => length - gen)
      .sort((a, b) => a - b);
    return {
      title: `Prompt tokens at target length ${length}`,
      spec: lengthHistogram({
        title: `Prompt tokens at target length ${length}`,
        target: length,
        budgets,
        series: at.map((g) => ({ ...seriesOf(data, g), ...g.samples!.lengthHistogram })),
      }),
      caption:
        "Each bar counts records whose prompt length falls in its token range (a prompt that fills its budget exactly is in the bar ending at the dashed line); the dashed line is the prompt budget L − G, the solid line the target length L (an arrow at the right edge when L lies beyond the axis). Bars should crowd just left of the dashed line and never cross it.",
    };
  });
  return {
    id: "lengths",
    title: "Token lengths",
    intro:
      "Prompt lengths against the target, per dataset × kind × target length (plain and KeyChain files).",
    tables: [tokens, fill],
    charts,
  };
}

function goldSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.samples !== null);
  if (groups.length === 0) return null;
  return {
    id: "gold-depth",
    title: "Gold document depth",
    intro:
      "Where the gold (supporting) documents sit in the context: relative depth (gold_position − 0.5) / num_docs, 0 = first passage, 1 = last.",
    tables: [
      {
        title: "Gold documents per depth bin",
        columns: [...GROUP_COLUMNS, "docs p50", "gold docs", ...DEPTH_LABELS],
        rows: groups.map((g) => [
          ...key(g),
          g.samples!.numDocs.p50,
          g.samples!.goldDocs,
          ...g.samples!.goldDepth,
        ]),
        note: "docs p50: median passages per context; then counts of gold documents per depth bin.",
      },
    ],
    charts: [
      shareChart(data, groups, {
        title: "Gold document depth",
        bins: DEPTH_LABELS,
        counts: (g) => g.samples!.goldDepth,
        xTitle: "relative depth in the context",
        yTitle: "share of gold documents",
        caption:
          "Each bar is the share of a group's gold documents in that depth bin; uniform placement gives flat bars near 10%.",
      }),
    ],
  };
}

function keychainSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.keychain !== null);
  if (groups.length === 0) return null;
  return {
    id: "keychain",
    title: "KeyChain instances",
    intro:
      "Chains, hops, inserted pairs and distractor questions per instance, and where the pairs of the TRUE chain (head → … → question) sit in distractor_context (char offset / context length).",
    tables: [
      {
        title: "Chains and pairs",
        columns: [
          ...GROUP_COLUMNS,
          "records",
          "chains",
          "hops",
          "pairs p50",
          "pairs max",
          "distractor q p50",
          "chain pairs",
          "missing",
        ],
        rows: groups.map((g) => {
          const k = g.keychain!;
          return [
            ...key(g),
            k.records,
            range(k.chains.min, k.chains.max),
            range(k.hops.min, k.hops.max),
            k.numPairs.p50,
            k.numPairs.max,
            k.distractQuestions.p50,
            k.chainPairs,
            k.chainPairsMissing,
          ];
        }),
        note: "chains, hops: per instance (min–max); chain pairs: true-chain pairs found in the context; missing must be 0.",
      },
      binTable("True-chain pairs per depth bin", groups, DEPTH_LABELS, (g) => g.keychain!.pairDepth),
    ],
    charts: [
      shareChart(data, groups, {
        title: "True-chain pair depth",
        bins: DEPTH_LABELS,
        counts: (g) => g.keychain!.pairDepth,
        xTitle: "relative position in distractor_context",
        yTitle: "share of true-chain pairs",
        caption:
          "Each bar is the share of a group's true-chain pairs in that depth bin; pairs inserted uniformly give flat bars near 10%.",
      }),
    ],
  };
}

function skipsSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.skips !== null);
  const withSidecar = data.files.filter((f) => f.sidecar !== null).length;
  if (withSidecar === 0) return null;
  return {
    id: "skips",
    title: "Skipped samples",
    intro:
      `Questions the generator skipped, from ${withSidecar} .meta.json sidecar(s). ${groups.length === 0 ? "None were skipped." : ""}`.trim(),
    tables:
      groups.length === 0
        ? []
        : [
            {
              title: "Skips by reason",
              columns: [...GROUP_COLUMNS, "reason", "count"],
              rows: groups.flatMap((g) => g.skips!.reasons.map((r) => [...key(g), r.reason, r.count])),
              note: "Digits in reasons are replaced by N so that equal reasons add up.",
            },
          ],
    charts: [],
  };
}

function rolloutsSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.rollouts !== null);
  if (groups.length === 0) return null;
  const maxSamples = Math.max(...groups.map((g) => g.rollouts!.maxSamples));
  const bins = Array.from({ length: maxSamples + 1 }, (_, i) => String(i));
  return {
    id: "rollouts",
    title: "Rollouts",
    intro:
      "Pass rates and mean rewards of rollout files (prompts × trajectories), per dataset × kind × length: rollouts over KeyChain prompts are a harder task than over plain prompts, so they are kept apart. The heatmaps show how the pass rate changes with the target length and with where the evidence sits in the context; for KeyChain rollouts, the last chart shows it by hops and by chains.",
    tables: [
      {
        title: "Rewards",
        columns: [
          ...GROUP_COLUMNS,
          "prompts",
          "trajectories",
          "sub_em",
          "em",
          "f1",
          "non-constant",
          "all correct",
          "all wrong",
        ],
        rows: groups.map((g) => {
          const r = g.rollouts!;
          return [
            ...key(g),
            r.prompts,
            r.trajectories,
            rewardText(r.meanSubEm),
            rewardText(r.meanEm),
            rewardText(r.meanF1),
            shareText(r.nonConstant / r.prompts),
            r.allCorrect,
            r.allWrong,
          ];
        }),
        note: "sub_em, em, f1: means over all trajectories; non-constant: share of prompts whose trajectories are not all scored the same (only these give a GRPO-style learning signal).",
      },
      binTable("Prompts by number of correct trajectories", groups, bins, (g) =>
        bins.map((_, i) => g.rollouts!.passHistogram[i] ?? 0),
      ),
    ],
    charts: [
      shareChart(data, groups, {
        title: "Pass-rate distribution",
        bins,
        counts: (g) => g.rollouts!.passHistogram,
        xTitle: "correct trajectories per prompt",
        yTitle: "share of prompts",
        caption:
          "Each bar is the share of a group's prompts with that many correct trajectories; mass at 0 (too hard) or at the right end (too easy) carries no learning signal.",
      }),
      ...difficultyCharts(data),
    ],
  };
}

/** How a kind's evidence is placed, for the depth heatmap's title and caption. */
const EVIDENCE: Readonly<Record<GroupKind, { title: string; xTitle: string; where: string }>> = {
  plain: {
    title: "Pass rate by target length × gold-document depth (plain rollouts)",
    xTitle: "relative depth of the gold documents",
    where:
      "with a gold document in that depth bin, relative depth (gold_position − 0.5) / num_docs (0 = first passage, 1 = last)",
  },
  keychain: {
    title: "Pass rate by target length × true-chain depth (KeyChain rollouts)",
    xTitle: "relative position of the true-chain pairs in distractor_context",
    where:
      "with a pair of the true chain (head → … → the question pair) at that relative char offset in distractor_context",
  },
};

/** The difficulty charts of the rollouts: a depth heatmap per kind, then KeyChain pass rate by hops and chains. */
function difficultyCharts(data: ReportData): Chart[] {
  const groups = data.groups.filter((g) => g.difficulty !== null);
  const heatmaps = (["plain", "keychain"] as const).map((kind) =>
    depthHeatmap(
      groups.filter((g) => g.kind === kind),
      kind,
    ),
  );
  return [...heatmaps, countBars(data, groups)].filter((c): c is Chart => c !== null);
}

/** A heatmap row: `hotpotqa L=4096` (dataset and target length; the kind is the chart's). */
function heatmapRow(g: GroupStats): string {
  return g.length === null ? `${g.dataset} (no length)` : `${g.dataset} L=${g.length}`;
}

function depthHeatmap(groups: readonly GroupStats[], kind: GroupKind): Chart | null {
  const placed = groups.filter((g) => g.difficulty!.placed > 0);
  if (placed.length === 0) return null;
  const cells: PassRateCell[] = placed.flatMap((g) =>
    g.difficulty!.depth.flatMap((c, i) =>
      c.passRate === null
        ? []
        : [{ row: heatmapRow(g), bin: DEPTH_LABELS[i] as string, prompts: c.prompts, passRate: c.passRate }],
    ),
  );
  const unplaced = groups.reduce((n, g) => n + g.difficulty!.unplaced, 0);
  const missing = groups.reduce((n, g) => n + g.difficulty!.chainPairsMissing, 0);
  const e = EVIDENCE[kind];
  const notes = [
    unplaced > 0
      ? ` ${unplaced} prompt(s) are not shown: they have no trajectories or carry no ${kind === "plain" ? "gold_positions and num_docs" : "true-chain pair found in distractor_context"}.`
      : "",
    missing > 0
      ? ` ${missing} true-chain pair(s) were not found in their distractor_context (should be 0).`
      : "",
  ].join("");
  return {
    title: e.title,
    spec: passRateHeatmap({
      title: e.title,
      rows: placed.map(heatmapRow),
      bins: DEPTH_LABELS,
      cells,
      xTitle: e.xTitle,
      yTitle: null,
    }),
    caption: `A row per dataset and target length L. Each cell is the mean pass rate (correct / trajectories, averaged over prompts) of the row's prompts ${e.where}; n is the number of those prompts. A prompt counts once in every bin that holds a piece of its evidence, so a row's n adds up to its prompts or more. Blank cells have no prompts; dark cells are hard, yellow ones easy.${notes}`,
  };
}

function countBars(data: ReportData, groups: readonly GroupStats[]): Chart | null {
  const keychain = groups.filter((g) => g.kind === "keychain");
  const series = (get: (g: GroupStats) => readonly PassByValue[]) =>
    keychain.filter((g) => get(g).length > 0).map((g) => ({ ...seriesOf(data, g), points: get(g) }));
  const hops = series((g) => g.difficulty!.byHops);
  const chains = series((g) => g.difficulty!.byChains);
  if (hops.length === 0 && chains.length === 0) return null;
  const title = "KeyChain pass rate by hops and by chains";
  return {
    title,
    spec: passRateByCountBars({
      title,
      panels: [
        { title: "hops", series: hops },
        { title: "chains", series: chains },
      ].filter((p) => p.series.length > 0),
    }),
    caption:
      "Each bar is the mean pass rate (correct / trajectories, averaged over prompts) of a group's KeyChain prompts with that many hops (left) or chains (right); the number above a bar counts those prompts.",
  };
}

function sftSection(data: ReportData): ReportSection | null {
  const groups = data.groups.filter((g) => g.sft !== null);
  if (groups.length === 0) return null;
  return {
    id: "sft",
    title: "SFT rows",
    intro:
      "Rows of SFT files, grouped by dataset and kind (a row is KeyChain when its user message is the KeyChain prompt); SFT rows carry no target length.",
    tables: [
      {
        title: "Rows and kept prompts",
        columns: [...GROUP_COLUMNS, "rows", "prompts", "correct rows", "kept prompts", "f1 mean", "f1 p50"],
        rows: groups.map((g) => {
          const s = g.sft!;
          return [
            ...key(g),
            s.rows,
            s.prompts,
            s.correctRows,
            s.keptPrompts,
            s.f1 ? rewardText(s.f1.mean) : null,
            s.f1 ? rewardText(s.f1.p50) : null,
          ];
        }),
        note: "prompts: distinct source_index (else id); kept prompts: prompts with at least one correct row (the best-trajectory rule keeps one row for each).",
      },
      binTable("Rows per f1 bin", groups, DEPTH_LABELS, (g) => g.sft!.f1Histogram),
    ],
    charts: [
      shareChart(data, groups, {
        title: "SFT f1 distribution",
        bins: DEPTH_LABELS,
        counts: (g) => g.sft!.f1Histogram,
        xTitle: "f1 of the row's answer",
        yTitle: "share of rows",
        caption: "Each bar is the share of a group's rows with f1 in that bin; f1 = 1 falls in the last bin.",
      }),
    ],
  };
}
