import { seriesColour } from "./charts.js";
import { rewardText, shareText } from "./format.js";
import { PROMPT_CLASS_LABELS, PROMPT_CLASSES, type PromptClass } from "./rollout-logs-classify.js";
import {
  type ClassStepStats,
  formatNumber,
  type RolloutLogAnalysis,
  type StepStats,
} from "./rollout-logs-stats.js";
import type { Cell, Chart, ChartSpec, ReportSection, Table } from "./section.js";

/** Per-class tables list every step up to this many steps; beyond, `SAMPLED_STEP_ROWS` steps and totals. */
const MAX_STEP_ROWS = 25;
/** Rows of a per-class table over more than `MAX_STEP_ROWS` steps: steps spread evenly, first and last included. */
const SAMPLED_STEP_ROWS = 11;

const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** The plotting area, as the dataset sections' charts (src/report/charts.ts). */
const CHART_WIDTH = 560;
const CHART_HEIGHT = 220;

const STEP_COLUMNS = [
  "step",
  "samples",
  "prompts",
  "mean reward",
  "non-constant",
  "all right",
  "all wrong",
  "irregular",
];

/**
 * The report section of a rollout-log analysis: an overview table, a table per class present, and
 * Vega-Lite charts of mean reward, non-constant-score prompts, score-sum bins and all-right/all-wrong
 * prompts per training step.
 */
export function rolloutLogSection(a: RolloutLogAnalysis): ReportSection {
  const present = PROMPT_CLASSES.filter((c) => a.steps.some((s) => s.classes[c].samples > 0));
  const tables: Table[] = [overviewTable(a, present), ...present.map((c) => classTable(a, c))];
  const charts: Chart[] = [
    meanRewardChart(a, present),
    nonConstantChart(a, present),
    ...present.filter((c) => c !== "other").map((c) => scoreBinsChart(a, c)),
    solveEqualChart(a, present),
  ];
  return { id: "rollout-logs", title: "Rollout-log difficulty", intro: intro(a, present), tables, charts };
}

function intro(a: RolloutLogAnalysis, present: readonly PromptClass[]): string {
  const first = a.steps[0]?.step;
  const last = a.steps.at(-1)?.step;
  const parts = [
    `${a.steps.length} training step${a.steps.length === 1 ? "" : "s"} (${first}–${last}) read from "${a.dir}" (${a.layout === "step-jsonl" ? "{N}.jsonl files" : "global_step_{N}.json files"}), ${a.repeats} rollouts per prompt.`,
    `${a.layout === "step-jsonl" ? "A prompt is the logged input (these dumps hold the prompt without the response)" : "A prompt is the input up to the assistant turn"}; prompts with "Passage 2:" are long-context QA, KeyChain (LongQA-Dis) when they mention UUIDs or the KeyChain chain instruction, plain (LongQA) otherwise; the rest is "other".`,
  ];
  const absent = PROMPT_CLASSES.filter((c) => !present.includes(c)).map((c) => PROMPT_CLASS_LABELS[c]);
  if (absent.length > 0) parts.push(`No ${absent.join(" or ")} prompts.`);
  if (a.missingSteps.length > 0) {
    parts.push(`Missing steps (no log file): ${formatRanges(a.missingSteps)}.`);
  }
  const irregular = sum(a.steps.map((s) => s.all.irregularPrompts));
  if (irregular > 0) {
    parts.push(
      `${irregular} prompt-step${irregular === 1 ? "" : "s"} had a rollout count other than ${a.repeats} (duplicated prompts, or a different rollout n); their score bin is scaled to ${a.repeats} rollouts.`,
    );
  }
  const unseparated = sum(a.steps.map((s) => s.unseparated));
  if (unseparated > 0) {
    parts.push(
      `${unseparated} input${unseparated === 1 ? " has" : "s have"} no assistant-turn separator and count${unseparated === 1 ? "s" : ""} whole as the prompt.`,
    );
  }
  return parts.join(" ");
}

function overviewTable(a: RolloutLogAnalysis, present: readonly PromptClass[]): Table {
  const groups: Array<[string, (i: number) => ClassStepStats]> = [
    ...present.map((c): [string, (i: number) => ClassStepStats] => [
      PROMPT_CLASS_LABELS[c],
      (i) => a.steps[i]!.classes[c],
    ]),
    ["all", (i) => a.steps[i]!.all],
  ];
  const rows: Cell[][] = groups.map(([label, at]) => {
    const stats = a.steps.map((_, i) => at(i));
    const samples = sum(stats.map((s) => s.samples));
    const prompts = sum(stats.map((s) => s.prompts));
    const withSamples = stats.filter((s) => s.samples > 0);
    return [
      label,
      samples,
      prompts,
      samples > 0 ? rewardText(sum(stats.map((s) => s.scoreSum)) / samples) : null,
      reward(withSamples[0]?.meanReward ?? null),
      reward(withSamples.at(-1)?.meanReward ?? null),
      share(sum(stats.map((s) => s.varPrompts)), prompts),
      share(sum(stats.map((s) => s.allRight)), prompts),
      share(sum(stats.map((s) => s.allWrong)), prompts),
      sum(stats.map((s) => s.irregularPrompts)),
    ];
  });
  return {
    title: "Rollout logs: overview",
    columns: [
      "class",
      "samples",
      "prompts",
      "reward",
      "first",
      "last",
      "non-constant",
      "all right",
      "all wrong",
      "irregular",
    ],
    rows,
    note: `Totals over all steps, each prompt counted once per step. "reward" is the mean over all rollouts; "first" and "last" are the mean rewards of the first and last step with samples; "non-constant", "all right" and "all wrong" are shares of the prompts: prompts that got different scores across their rollouts, that scored ≥ 1 in every rollout, that scored ≤ 0 in every rollout; "irregular" prompts had a rollout count other than ${a.repeats}.`,
  };
}

function classTable(a: RolloutLogAnalysis, c: PromptClass): Table {
  const row = (step: Cell, s: ClassStepStats): Cell[] => [
    step,
    s.samples,
    s.prompts,
    reward(s.meanReward),
    s.varPrompts,
    s.allRight,
    s.allWrong,
    s.irregularPrompts,
  ];
  const label = PROMPT_CLASS_LABELS[c];
  if (a.steps.length <= MAX_STEP_ROWS) {
    return {
      title: `Rollout logs: ${label} per step`,
      columns: STEP_COLUMNS,
      rows: a.steps.map((s) => row(s.step, s.classes[c])),
      note: "Mean reward is over rollouts; the other columns count prompts.",
    };
  }
  const picked = spreadIndices(a.steps.length, SAMPLED_STEP_ROWS).map((i) => a.steps[i]!);
  const stats = a.steps.map((s) => s.classes[c]);
  const total = (get: (s: ClassStepStats) => number): number => sum(stats.map(get));
  const samples = total((s) => s.samples);
  const totalRow: Cell[] = [
    `all ${a.steps.length}`,
    samples,
    total((s) => s.prompts),
    samples > 0 ? rewardText(total((s) => s.scoreSum) / samples) : null,
    total((s) => s.varPrompts),
    total((s) => s.allRight),
    total((s) => s.allWrong),
    total((s) => s.irregularPrompts),
  ];
  return {
    title: `Rollout logs: ${label}, ${picked.length} of ${a.steps.length} steps`,
    columns: STEP_COLUMNS,
    rows: [...picked.map((s) => row(s.step, s.classes[c])), totalRow],
    note: `${picked.length} steps spread evenly over the ${a.steps.length} logged (first and last included), then the totals over all of them (mean reward: over all rollouts); the charts show every step.`,
  };
}

/** `k` indices spread evenly over `0 … n-1`, first and last included (all of them when `n ≤ k`). */
export function spreadIndices(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

/** Every step from the first to the last logged one; a missing step (no log file) has `stats: null`. */
function timeline(a: RolloutLogAnalysis): Array<{ step: number; stats: StepStats | null }> {
  const rows = [
    ...a.steps.map((s) => ({ step: s.step, stats: s as StepStats | null })),
    ...a.missingSteps.map((step) => ({ step, stats: null })),
  ];
  return rows.sort((x, y) => x.step - y.step);
}

/** The caption's last sentence when steps are missing: their null points break the lines and areas. */
function gapSentence(a: RolloutLogAnalysis, what: "lines" | "areas"): string {
  return a.missingSteps.length > 0 ? ` Gaps in the ${what} are missing steps (no log file).` : "";
}

/** A chart whose title is also drawn on the chart, as the dataset sections' charts are. */
function titled(title: string, spec: ChartSpec, caption: string): Chart {
  return { title, spec: { $schema: VEGA_LITE_SCHEMA, title, ...spec }, caption };
}

/** The x axis: training steps, from the first logged step to the last (not from 0). */
function stepAxis(a: RolloutLogAnalysis): Record<string, unknown> {
  const first = a.steps[0]?.step ?? 0;
  const last = a.steps.at(-1)?.step ?? 0;
  return {
    field: "step",
    type: "quantitative",
    title: "training step",
    scale: { domain: [first, Math.max(last, first + 1)], nice: false },
    axis: { format: "d", tickMinStep: 1 },
  };
}

/** The colour of each class, the same in every chart of the section (and whichever classes are present). */
function classColour(c: PromptClass): string {
  return seriesColour(PROMPT_CLASSES.indexOf(c));
}

function classColor(present: readonly PromptClass[]): Record<string, unknown> {
  const labels = present.map((c) => PROMPT_CLASS_LABELS[c]);
  return {
    field: "class",
    type: "nominal",
    title: "class",
    sort: labels,
    scale: { domain: labels, range: present.map(classColour) },
  };
}

/** A y axis of prompt counts: whole-number ticks. */
function countAxis(title: string): Record<string, unknown> {
  return { field: "prompts", type: "quantitative", title, axis: { format: "d", tickMinStep: 1 } };
}

/** Lines per class over the steps; null values (missing steps) break the line instead of bridging it. */
function lineSpec(
  a: RolloutLogAnalysis,
  values: Array<Record<string, unknown>>,
  y: Record<string, unknown>,
  color: Record<string, unknown>,
  o: { extra?: Record<string, unknown>; height?: number } = {},
): ChartSpec {
  return {
    width: CHART_WIDTH,
    height: o.height ?? CHART_HEIGHT,
    data: { values },
    // Point marks only while they stay apart (about 100 steps across the chart).
    mark: { type: "line", point: a.steps.length + a.missingSteps.length <= 100 },
    encoding: { x: stepAxis(a), y, color, ...o.extra },
  };
}

function meanRewardChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = timeline(a).flatMap(({ step, stats }) =>
    present.map((c) => ({
      step,
      class: PROMPT_CLASS_LABELS[c],
      mean_reward: round(stats?.classes[c].meanReward ?? null),
    })),
  );
  return titled(
    "Mean reward per step",
    lineSpec(
      a,
      values,
      { field: "mean_reward", type: "quantitative", title: "mean reward" },
      classColor(present),
    ),
    `Average score of all rollouts of the class at each training step.${gapSentence(a, "lines")}`,
  );
}

function nonConstantChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = timeline(a).flatMap(({ step, stats }) =>
    present.map((c) => ({
      step,
      class: PROMPT_CLASS_LABELS[c],
      prompts: stats?.classes[c].varPrompts ?? null,
    })),
  );
  return titled(
    "Prompts with non-constant scores per step",
    lineSpec(a, values, countAxis("prompts"), classColor(present)),
    `Prompts whose rollouts got different scores: the only ones that give GRPO a learning signal (var_input_cnt).${gapSentence(a, "lines")}`,
  );
}

function scoreBinsChart(a: RolloutLogAnalysis, c: PromptClass): Chart {
  const bins = Array.from({ length: a.repeats + 1 }, (_, bin) => bin);
  const values = timeline(a).flatMap(
    ({ step, stats }): Array<{ step: number; bin: number; prompts: number | null }> =>
      stats === null
        ? bins.map((bin) => ({ step, bin, prompts: null }))
        : stats.classes[c].scoreBins.map((prompts, bin) => ({ step, bin, prompts })),
  );
  const label = PROMPT_CLASS_LABELS[c];
  return titled(
    `${label}: prompts by number of correct rollouts per step`,
    {
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      data: { values },
      mark: { type: "area" },
      encoding: {
        x: stepAxis(a),
        y: { ...countAxis("prompts"), stack: "zero" },
        color: {
          field: "bin",
          type: "ordinal",
          title: `correct of ${a.repeats}`,
          scale: { scheme: "viridis" },
        },
        order: { field: "bin", type: "quantitative", sort: "ascending" },
      },
    },
    `Stacked areas: how many ${label} prompts had 0, 1, …, ${a.repeats} correct rollouts (rounded score sum) at each step.${gapSentence(a, "areas")}`,
  );
}

function solveEqualChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = timeline(a).flatMap(({ step, stats }) =>
    present.flatMap((c) => [
      { step, class: PROMPT_CLASS_LABELS[c], kind: "all right", prompts: stats?.classes[c].allRight ?? null },
      { step, class: PROMPT_CLASS_LABELS[c], kind: "all wrong", prompts: stats?.classes[c].allWrong ?? null },
    ]),
  );
  return titled(
    "All-right and all-wrong prompts per step",
    // One panel per kind, sharing the y scale: six crossing lines in one panel could not be told apart.
    lineSpec(a, values, countAxis("prompts"), classColor(present), {
      height: CHART_HEIGHT / 2,
      extra: {
        row: {
          field: "kind",
          type: "nominal",
          sort: ["all right", "all wrong"],
          title: null,
          header: { labelFontSize: 12, labelAngle: 0, labelAlign: "left", labelOrient: "top" },
        },
      },
    }),
    `Top: prompts solved by every rollout; bottom: prompts solved by none. Their sum is the notebooks' "solve equal" count, prompts without a learning signal.${gapSentence(a, "lines")}`,
  );
}

/** `[3, 7, 8, 9]` → `"3, 7–9"`. */
export function formatRanges(ns: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < ns.length) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === (ns[j] as number) + 1) j++;
    out.push(j === i ? String(ns[i]) : `${ns[i]}–${ns[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

function sum(xs: readonly number[]): number {
  let t = 0;
  for (const x of xs) t += x;
  return t;
}

/** A chart value: at most 6 decimals, so that the spec stays small and stable. */
function round(x: number | null): number | null {
  return x === null ? null : Number(formatNumber(x));
}

function reward(x: number | null): string | null {
  return x === null ? null : rewardText(x);
}

function share(part: number, whole: number): string | null {
  return whole > 0 ? shareText(part / whole) : null;
}
