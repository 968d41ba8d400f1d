import type { RolloutLogAnalysis } from "./rollout-logs.js";
import { PROMPT_CLASS_LABELS, PROMPT_CLASSES, type PromptClass } from "./rollout-logs-classify.js";
import { type ClassStepStats, formatNumber } from "./rollout-logs-stats.js";
import type { Cell, Chart, ChartSpec, ReportSection, Table } from "./section.js";

/** Per-class tables list every step up to this many steps; beyond, first, last and the mean per step. */
const MAX_STEP_ROWS = 25;

const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const CHART_WIDTH = 640;
const CHART_HEIGHT = 240;

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
    `${a.steps.length} training step${a.steps.length === 1 ? "" : "s"} (${first}–${last}) read from "${a.dir}", ${a.repeats} rollouts per prompt.`,
    `A prompt is the input up to the assistant turn; prompts with "Passage 2:" are long-context QA, KeyChain (LongQA-Dis) when they mention UUIDs or the KeyChain chain instruction, plain (LongQA) otherwise; the rest is "other".`,
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
      samples > 0 ? round(sum(stats.map((s) => s.scoreSum)) / samples) : null,
      round(withSamples[0]?.meanReward ?? null),
      round(withSamples.at(-1)?.meanReward ?? null),
      percent(sum(stats.map((s) => s.varPrompts)), prompts),
      percent(sum(stats.map((s) => s.allRight)), prompts),
      percent(sum(stats.map((s) => s.allWrong)), prompts),
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
      "non-const %",
      "all right %",
      "all wrong %",
      "irregular",
    ],
    rows,
    note: `Totals over all steps, each prompt counted once per step. "reward" is the mean over all rollouts; "first" and "last" are the mean rewards of the first and last step with samples; "non-const" prompts got different scores across their rollouts; "all right" prompts scored ≥ 1 in every rollout, "all wrong" ≤ 0; "irregular" prompts had a rollout count other than ${a.repeats}.`,
  };
}

function classTable(a: RolloutLogAnalysis, c: PromptClass): Table {
  const row = (step: Cell, s: ClassStepStats): Cell[] => [
    step,
    s.samples,
    s.prompts,
    round(s.meanReward),
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
  const first = a.steps[0]!;
  const last = a.steps.at(-1)!;
  const stats = a.steps.map((s) => s.classes[c]);
  const mean = (get: (s: ClassStepStats) => number): number => round(sum(stats.map(get)) / stats.length)!;
  const samples = sum(stats.map((s) => s.samples));
  const meanRow: Cell[] = [
    `mean of ${a.steps.length}`,
    mean((s) => s.samples),
    mean((s) => s.prompts),
    samples > 0 ? round(sum(stats.map((s) => s.scoreSum)) / samples) : null,
    mean((s) => s.varPrompts),
    mean((s) => s.allRight),
    mean((s) => s.allWrong),
    mean((s) => s.irregularPrompts),
  ];
  return {
    title: `Rollout logs: ${label}, first and last step`,
    columns: STEP_COLUMNS,
    rows: [row(first.step, first.classes[c]), row(last.step, last.classes[c]), meanRow],
    note: `${a.steps.length} steps: the first, the last, and the mean per step (mean reward: over all rollouts); the charts show every step.`,
  };
}

function stepAxis(): Record<string, unknown> {
  return { field: "step", type: "quantitative", title: "training step", axis: { format: "d" } };
}

function classColor(present: readonly PromptClass[]): Record<string, unknown> {
  return {
    field: "class",
    type: "nominal",
    title: "class",
    sort: present.map((c) => PROMPT_CLASS_LABELS[c]),
  };
}

/** A y axis of prompt counts: whole-number ticks. */
function countAxis(title: string): Record<string, unknown> {
  return { field: "prompts", type: "quantitative", title, axis: { format: "d", tickMinStep: 1 } };
}

function lineSpec(
  values: Array<Record<string, unknown>>,
  y: Record<string, unknown>,
  color: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  points = values.length <= 200,
): ChartSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values },
    mark: { type: "line", point: points },
    encoding: { x: stepAxis(), y, color, ...extra },
  };
}

function meanRewardChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = a.steps.flatMap((s) =>
    present.flatMap((c) => {
      const m = s.classes[c].meanReward;
      return m === null ? [] : [{ step: s.step, class: PROMPT_CLASS_LABELS[c], mean_reward: round(m) }];
    }),
  );
  return {
    title: "Mean reward per step",
    spec: lineSpec(
      values,
      { field: "mean_reward", type: "quantitative", title: "mean reward" },
      classColor(present),
    ),
    caption: "Average score of all rollouts of the class at each training step.",
  };
}

function nonConstantChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = a.steps.flatMap((s) =>
    present.map((c) => ({ step: s.step, class: PROMPT_CLASS_LABELS[c], prompts: s.classes[c].varPrompts })),
  );
  return {
    title: "Prompts with non-constant scores per step",
    spec: lineSpec(values, countAxis("prompts"), classColor(present)),
    caption:
      "Prompts whose rollouts got different scores: the only ones that give GRPO a learning signal (var_input_cnt).",
  };
}

function scoreBinsChart(a: RolloutLogAnalysis, c: PromptClass): Chart {
  const values = a.steps.flatMap((s) =>
    s.classes[c].scoreBins.map((prompts, bin) => ({ step: s.step, bin, prompts })),
  );
  const label = PROMPT_CLASS_LABELS[c];
  return {
    title: `${label}: prompts by number of correct rollouts per step`,
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      data: { values },
      mark: { type: "area" },
      encoding: {
        x: stepAxis(),
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
    caption: `Stacked areas: how many ${label} prompts had 0, 1, …, ${a.repeats} correct rollouts (rounded score sum) at each step.`,
  };
}

function solveEqualChart(a: RolloutLogAnalysis, present: readonly PromptClass[]): Chart {
  const values = a.steps.flatMap((s) =>
    present.flatMap((c) => [
      { step: s.step, class: PROMPT_CLASS_LABELS[c], kind: "all right", prompts: s.classes[c].allRight },
      { step: s.step, class: PROMPT_CLASS_LABELS[c], kind: "all wrong", prompts: s.classes[c].allWrong },
    ]),
  );
  return {
    title: "All-right and all-wrong prompts per step",
    // No point marks: the legend must show the dash pattern.
    spec: lineSpec(
      values,
      countAxis("prompts"),
      classColor(present),
      {
        strokeDash: { field: "kind", type: "nominal", title: "prompts", sort: ["all right", "all wrong"] },
        detail: { field: "kind", type: "nominal" },
      },
      false,
    ),
    caption:
      'Prompts solved by every rollout (solid) or by none (dashed); their sum is the notebooks\' "solve equal" count, prompts without a learning signal.',
  };
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

function round(x: number | null): number | null {
  return x === null ? null : Number(formatNumber(x));
}

function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}
