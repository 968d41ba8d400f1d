/**
 * The answer metrics over several golds (each the max over golds): `sub_em` (two-way containment), `em`,
 * token `f1` (SQuAD, rounded to 4 places like the original) and the filter's one-way `cem`.
 */

import { answerTokens, normalizeAnswer, normalizeAnswerCompat } from "./normalize.js";
import { type ResolvedScoreOptions, resolveScoreOptions, type ScoreOptions } from "./options.js";
import { pyRound4, pySplit } from "./python-text.js";

export interface AnswerScores {
  /** 1 when a gold contains the prediction or the prediction contains a gold, else 0. */
  sub_em: 0 | 1;
  /** 1 when the prediction equals a gold after normalisation, else 0. */
  em: 0 | 1;
  /** The best SQuAD token F1 over the golds, rounded to 4 decimal places (Python `round`). */
  f1: number;
}

const ZERO: AnswerScores = { sub_em: 0, em: 0, f1: 0 };

/**
 * Scores an extracted answer against gold answers. `null` (nothing extracted) and an empty gold list
 * score 0 in both modes; see {@link ScoreOptions} for what else the modes do.
 *
 * @example scoreAnswer("Norway", ["no"]) // { sub_em: 0, em: 0, f1: 0 }
 * @example scoreAnswer("Norway", ["no"], { mode: "compat" }) // { sub_em: 1, em: 0, f1: 0 }
 */
export function scoreAnswer(
  prediction: string | null,
  golds: readonly string[],
  options: ScoreOptions = {},
): AnswerScores {
  const resolved = resolveScoreOptions(options);
  return resolved.mode === "compat"
    ? scoreCompat(prediction, golds)
    : scoreDefault(prediction, [...golds, ...resolved.aliases]);
}

/**
 * The question filter's CEM ("covered exact match"): 1 when the prediction is contained in a gold (one
 * way only), else 0. Compat: SQuAD-normalised substring test, an empty raw prediction scores 0 but one
 * that normalises to `""` scores 1. Default: whole-token containment, a prediction without tokens
 * scores 0, aliases count.
 */
export function cem(prediction: string, golds: readonly string[], options: ScoreOptions = {}): 0 | 1 {
  const resolved = resolveScoreOptions(options);
  if (resolved.mode === "compat") {
    if (prediction === "") return 0;
    const pred = normalizeAnswer(prediction);
    return golds.some((gold) => normalizeAnswer(gold).includes(pred)) ? 1 : 0;
  }
  const pred = answerTokens(prediction);
  if (pred.length === 0) return 0;
  return goldTokens(golds, resolved).some((gold) => containsRun(gold, pred)) ? 1 : 0;
}

function scoreCompat(prediction: string | null, golds: readonly string[]): AnswerScores {
  if (!prediction || golds.length === 0) return { ...ZERO };
  const pred = normalizeAnswerCompat(prediction);
  let subEm: 0 | 1 = 0;
  let em: 0 | 1 = 0;
  let f1 = 0;
  for (const goldAnswer of golds) {
    const gold = normalizeAnswerCompat(goldAnswer);
    if (gold.includes(pred) || pred.includes(gold)) subEm = 1;
    if (pred === gold) em = 1;
    f1 = Math.max(f1, tokenF1(pySplit(pred), pySplit(gold)));
  }
  return { sub_em: subEm, em, f1: pyRound4(f1) };
}

function scoreDefault(prediction: string | null, golds: readonly string[]): AnswerScores {
  if (prediction === null) return { ...ZERO };
  const pred = answerTokens(prediction);
  if (pred.length === 0) return { ...ZERO };
  let subEm: 0 | 1 = 0;
  let em: 0 | 1 = 0;
  let f1 = 0;
  for (const gold of golds.map(answerTokens)) {
    if (gold.length === 0) continue;
    if (containsRun(pred, gold) || containsRun(gold, pred)) subEm = 1;
    if (sameSequence(pred, gold)) em = 1;
    f1 = Math.max(f1, tokenF1(pred, gold));
  }
  return { sub_em: subEm, em, f1: pyRound4(f1) };
}

function goldTokens(golds: readonly string[], options: ResolvedScoreOptions): string[][] {
  return [...golds, ...options.aliases].map(answerTokens).filter((tokens) => tokens.length > 0);
}

/**
 * True when `needle` occurs as a contiguous run of whole tokens in `haystack` (an empty needle never
 * does): `["new", "york"]` is in `["new", "york", "city"]`, `["no"]` is not in `["norway"]`.
 */
export function containsRun(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0 || needle.length > haystack.length) return false;
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let i = 0; i < needle.length; i++) {
      if (haystack[start + i] !== needle[i]) continue outer;
    }
    return true;
  }
  return false;
}

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}

/** SQuAD token F1: multiset overlap; 0 when nothing overlaps. Unrounded. */
export function tokenF1(pred: readonly string[], gold: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const token of gold) counts.set(token, (counts.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of pred) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      same++;
      counts.set(token, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}
