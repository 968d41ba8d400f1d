import { createHash } from "node:crypto";
import { classifyPrompt, PROMPT_CLASSES, type PromptClass, splitPrompt } from "./rollout-logs-classify.js";

/** Statistics of one class (or of all classes together) at one training step. */
export interface ClassStepStats {
  /** Rollouts (log entries). */
  samples: number;
  /** Distinct prompts. */
  prompts: number;
  /** Sum of all rollout scores. */
  scoreSum: number;
  /** `scoreSum / samples`; null without samples. */
  meanReward: number | null;
  /** Prompts whose rollouts did not all get the same score (the original's `var_input_cnt`). */
  varPrompts: number;
  /** Prompts whose every rollout scored ≥ 1 ("all right"). */
  allRight: number;
  /** Prompts whose every rollout scored ≤ 0 ("all wrong"). `allRight + allWrong` is "solve equal". */
  allWrong: number;
  /** Prompts seen a number of times other than `repeats`. */
  irregularPrompts: number;
  /**
   * Prompts per score-sum bin, bins `0..repeats`: bin = round(mean score × repeats), which is the rounded sum
   * of scores when the prompt has exactly `repeats` rollouts. Python rounding (half to even); clamped.
   */
  scoreBins: number[];
  /** Prompts per rollout count: `occurrences[k]` prompts were seen k times (length ≥ repeats + 1). */
  occurrences: number[];
}

/**
 * How a rollout-log folder stores its steps: `global_step_{N}.json` files, each a JSON array of
 * `{input: <prompt and response>, score}`, or `{N}.jsonl` files (verl's `trainer.rollout_data_dir`), one
 * `{input: <prompt>, output, score, step, …}` per line. See `analyzeRolloutLogs`.
 */
export type RolloutLogLayout = "global-step-json" | "step-jsonl";

/** One step file (`global_step_{N}.json` or `{N}.jsonl`), analysed. */
export interface StepStats {
  step: number;
  /** Path of the log file. */
  file: string;
  /** Per class, every class present (zeros when absent). */
  classes: Record<PromptClass, ClassStepStats>;
  /** All classes together. */
  all: ClassStepStats;
  /**
   * Entries whose `input` has no assistant-turn separator (their prompt is the whole input); always 0 in the
   * `{N}.jsonl` layout, whose `input` is the prompt alone.
   */
  unseparated: number;
}

/** The analysis of a folder of verl rollout logs. */
export interface RolloutLogAnalysis {
  /** The folder, as given. */
  dir: string;
  /** The file layout found in the folder. */
  layout: RolloutLogLayout;
  repeats: number;
  /** One entry per step file, by ascending step. */
  steps: StepStats[];
  /** Step numbers between the first and the last step that have no log file. */
  missingSteps: number[];
}

interface PromptTally {
  cls: PromptClass;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Accumulates one step's `{input, score}` entries in file order. Prompts are keyed by a SHA-1 of their text,
 * so memory holds a few numbers per distinct prompt, not the (often 100 KB) prompt itself.
 */
export class StepAccumulator {
  private readonly tallies = new Map<string, PromptTally>();
  private readonly sums: Record<PromptClass, { samples: number; sum: number }> = {
    longqa: { samples: 0, sum: 0 },
    longqa_dis: { samples: 0, sum: 0 },
    other: { samples: 0, sum: 0 },
  };
  private unseparated = 0;

  constructor(private readonly repeats: number) {}

  /** An entry whose `input` is the whole chat: its prompt is the text before the assistant turn. */
  add(input: string, score: number): void {
    const { prompt, separated } = splitPrompt(input);
    if (!separated) this.unseparated++;
    this.addPrompt(prompt, score);
  }

  /** An entry whose `input` is the prompt alone (verl's `{N}.jsonl` dumps). */
  addPrompt(prompt: string, score: number): void {
    const key = createHash("sha1").update(prompt).digest("base64");
    let t = this.tallies.get(key);
    if (!t) {
      t = { cls: classifyPrompt(prompt), count: 0, sum: 0, min: score, max: score };
      this.tallies.set(key, t);
    }
    t.count++;
    t.sum += score;
    if (score < t.min) t.min = score;
    if (score > t.max) t.max = score;
    const c = this.sums[t.cls];
    c.samples++;
    c.sum += score;
  }

  finish(step: number, file: string): StepStats {
    const classes = {} as Record<PromptClass, ClassStepStats>;
    for (const cls of PROMPT_CLASSES) classes[cls] = emptyStats(this.repeats);
    const all = emptyStats(this.repeats);
    for (const t of this.tallies.values()) {
      tallyPrompt(classes[t.cls], t, this.repeats);
      tallyPrompt(all, t, this.repeats);
    }
    for (const cls of PROMPT_CLASSES) {
      const s = classes[cls];
      const { samples, sum } = this.sums[cls];
      s.samples = samples;
      s.scoreSum = sum;
      s.meanReward = samples > 0 ? sum / samples : null;
      all.samples += samples;
      all.scoreSum += sum;
    }
    all.meanReward = all.samples > 0 ? all.scoreSum / all.samples : null;
    return { step, file, classes, all, unseparated: this.unseparated };
  }
}

function emptyStats(repeats: number): ClassStepStats {
  return {
    samples: 0,
    prompts: 0,
    scoreSum: 0,
    meanReward: null,
    varPrompts: 0,
    allRight: 0,
    allWrong: 0,
    irregularPrompts: 0,
    scoreBins: new Array<number>(repeats + 1).fill(0),
    occurrences: new Array<number>(repeats + 1).fill(0),
  };
}

function tallyPrompt(s: ClassStepStats, t: PromptTally, repeats: number): void {
  s.prompts++;
  if (t.min !== t.max) s.varPrompts++;
  if (t.min >= 1) s.allRight++;
  if (t.max <= 0) s.allWrong++;
  if (t.count !== repeats) s.irregularPrompts++;
  const scaled = t.count === repeats ? t.sum : (t.sum / t.count) * repeats;
  const bin = Math.min(repeats, Math.max(0, roundHalfEven(scaled)));
  s.scoreBins[bin] = (s.scoreBins[bin] ?? 0) + 1;
  while (s.occurrences.length <= t.count) s.occurrences.push(0);
  s.occurrences[t.count] = (s.occurrences[t.count] ?? 0) + 1;
}

/** Python's `round()`: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A CSV/table number: integers as is, fractions to at most 6 decimals, null as empty. */
export function formatNumber(x: number | null): string {
  if (x === null) return "";
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(6)));
}
