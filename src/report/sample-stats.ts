import type { FieldReader } from "../corpus/fields.js";
import { bump, DEPTH_BINS, type Summary, summarize, unitBin } from "./distribution.js";
import { arrayOf, NUMBER } from "./field-checks.js";

/** The plain or KeyChain samples of a group (not rollouts: those are the same prompts again). */
export interface SampleStats {
  records: number;
  /** Prompt tokens (`prompt_length`). */
  promptLength: Summary;
  /** G = `length` − `prompt_length` (tokens left for generation): smallest and largest seen. */
  generation: { min: number; max: number };
  /** `prompt_length` / (`target_length` − G): how full the prompt budget is. */
  fill: Summary;
  /** Records whose `length` exceeds `target_length` (prompt over the budget): must be 0. */
  overBudget: number;
  /** Prompt-length histogram (for charts), with the budget as a bin edge. */
  lengthHistogram: LengthHistogram;
  numDocs: Summary;
  /** Gold documents seen (over all records). */
  goldDocs: number;
  /** Gold documents per relative-depth bin: (gold_position − 0.5) / num_docs in 10 equal bins. */
  goldDepth: number[];
}

/**
 * Prompt tokens in bins of `width` tokens, closed on the right: bin i counts prompts in
 * (lo + i·width, lo + (i+1)·width]. The first {@link BUDGET_BINS} bins end exactly at the group's budget
 * L − G, so a prompt that fills its budget is counted left of the budget line; prompts over the budget land in
 * the bins after it (at most {@link BUDGET_BINS} more, the last one open-ended).
 */
export interface LengthHistogram {
  lo: number;
  width: number;
  counts: number[];
}

/** Bins of a {@link LengthHistogram} up to the budget. */
export const BUDGET_BINS = 20;

/** The fields of a plain or KeyChain record that {@link SampleAccumulator} counts. */
export interface SampleRow {
  targetLength: number;
  promptLength: number;
  length: number;
  numDocs: number;
  goldPositions: number[];
}

/** Reads the {@link SampleRow} of a plain or KeyChain record; an InputError names the bad field. */
export function readSampleRow(r: Record<string, unknown>, f: FieldReader): SampleRow {
  return {
    targetLength: f.expect(r.target_length, "target_length", NUMBER),
    promptLength: f.expect(r.prompt_length, "prompt_length", NUMBER),
    length: f.expect(r.length, "length", NUMBER),
    numDocs: f.expect(r.num_docs, "num_docs", NUMBER),
    goldPositions: arrayOf(f, r.gold_positions, "gold_positions", NUMBER),
  };
}

/** The {@link SampleStats} of one group, one record at a time. */
export class SampleAccumulator {
  private records = 0;
  private readonly promptLengths: number[] = [];
  private readonly fills: number[] = [];
  private gMin = Number.POSITIVE_INFINITY;
  private gMax = Number.NEGATIVE_INFINITY;
  private overBudget = 0;
  private readonly numDocs: number[] = [];
  private goldDocs = 0;
  private readonly goldDepth = new Array<number>(DEPTH_BINS).fill(0);

  add(row: SampleRow): void {
    const { targetLength: target, promptLength, length, numDocs } = row;
    const g = length - promptLength;
    this.promptLengths.push(promptLength);
    if (target - g > 0) this.fills.push(promptLength / (target - g));
    this.gMin = Math.min(this.gMin, g);
    this.gMax = Math.max(this.gMax, g);
    if (length > target) this.overBudget++;
    this.numDocs.push(numDocs);
    for (const p of row.goldPositions) {
      this.goldDocs++;
      if (numDocs > 0) bump(this.goldDepth, unitBin((p - 0.5) / numDocs, DEPTH_BINS));
    }
    this.records++;
  }

  /** `null` without records; `targetLength` is the group's L (the histogram's budget is L − G). */
  finish(targetLength: number | null): SampleStats | null {
    const promptLength = summarize(this.promptLengths);
    const fill = summarize(this.fills);
    const numDocs = summarize(this.numDocs);
    if (!promptLength || !fill || !numDocs) return null;
    return {
      records: this.records,
      promptLength,
      generation: { min: this.gMin, max: this.gMax },
      fill,
      overBudget: this.overBudget,
      lengthHistogram: this.lengthHistogram(targetLength, promptLength.min),
      numDocs,
      goldDocs: this.goldDocs,
      goldDepth: this.goldDepth,
    };
  }

  /** Whole-token bins from just below the shortest prompt to the largest budget L − G (see {@link LengthHistogram}). */
  private lengthHistogram(targetLength: number | null, min: number): LengthHistogram {
    // Sample groups always have a target length (plain and KeyChain records carry target_length).
    const budget = (targetLength ?? 0) - this.gMin;
    const width = Math.ceil(Math.max(1, budget - min + 1) / BUDGET_BINS);
    const lo = budget - BUDGET_BINS * width;
    const counts = new Array<number>(BUDGET_BINS).fill(0);
    for (const v of this.promptLengths) {
      const i = Math.max(0, Math.min(2 * BUDGET_BINS - 1, Math.ceil((v - lo) / width) - 1));
      while (counts.length <= i) counts.push(0);
      bump(counts, i);
    }
    return { lo, width, counts };
  }
}
