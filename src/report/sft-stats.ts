import type { FieldReader } from "../corpus/fields.js";
import { bump, DEPTH_BINS, type Summary, summarize, unitBin } from "./distribution.js";
import { NUMBER, optional, STRING } from "./field-checks.js";

export interface SftStats {
  rows: number;
  /** Distinct prompts (by `source_index`, else `id`). */
  prompts: number;
  /** Rows with `is_correct` = 1. */
  correctRows: number;
  /** Prompts with at least one correct row (kept by the best-trajectory rule). */
  keptPrompts: number;
  f1: Summary | null;
  /** Rows per f1 bin (10 equal bins over [0, 1]). */
  f1Histogram: number[];
}

/** The fields of an SFT row that {@link SftAccumulator} counts. */
export interface SftRowScores {
  isCorrect: number | undefined;
  f1: number | undefined;
  /** The prompt the row answers: `#{source_index}`, else its `id`; `undefined` when it has neither. */
  promptKey: string | undefined;
}

/** Reads the {@link SftRowScores} of an SFT row (`id` only when there is no `source_index`). */
export function readSftRowScores(r: Record<string, unknown>, f: FieldReader): SftRowScores {
  const isCorrect = optional(f, r.is_correct, "is_correct", NUMBER);
  const f1 = optional(f, r.f1, "f1", NUMBER);
  const sourceIndex = optional(f, r.source_index, "source_index", NUMBER);
  const promptKey = sourceIndex !== undefined ? `#${sourceIndex}` : optional(f, r.id, "id", STRING);
  return { isCorrect, f1, promptKey };
}

/** The {@link SftStats} of one group, one row at a time. */
export class SftAccumulator {
  private rows = 0;
  private correctRows = 0;
  private readonly f1: number[] = [];
  /** Per prompt key: whether one of its rows is correct. */
  private readonly prompts = new Map<string, boolean>();

  add(row: SftRowScores): void {
    this.rows++;
    if (row.isCorrect === 1) this.correctRows++;
    if (row.f1 !== undefined) this.f1.push(row.f1);
    const key = row.promptKey;
    if (key !== undefined) this.prompts.set(key, (this.prompts.get(key) ?? false) || row.isCorrect === 1);
  }

  /** `null` without rows. */
  finish(): SftStats | null {
    if (this.rows === 0) return null;
    const f1Histogram = new Array<number>(DEPTH_BINS).fill(0);
    for (const v of this.f1) bump(f1Histogram, unitBin(v, DEPTH_BINS));
    let kept = 0;
    for (const ok of this.prompts.values()) if (ok) kept++;
    return {
      rows: this.rows,
      prompts: this.prompts.size,
      correctRows: this.correctRows,
      keptPrompts: kept,
      f1: summarize(this.f1),
      f1Histogram,
    };
  }
}
