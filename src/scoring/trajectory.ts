/** Scoring one model output (a trajectory) end to end: extraction, then the metrics. */

import { extractAnswerIsAnswer, extractThinkingAnswer } from "./extract.js";
import { scoreAnswer } from "./metrics.js";
import type { ScoreOptions } from "./options.js";

/**
 * - `"thinking"`: last `\boxed{…}` after the last `</think>` ({@link extractThinkingAnswer}).
 * - `"answer-is"`: text after the last "the answer is" ({@link extractAnswerIsAnswer}).
 */
export type Extractor = "thinking" | "answer-is";

export const EXTRACTORS: readonly Extractor[] = ["thinking", "answer-is"];

export interface TrajectoryOptions extends ScoreOptions {
  /** @default "thinking" */
  extractor?: Extractor;
}

/** One scored trajectory, keys in the original's order. */
export interface ScoredTrajectory {
  text: string;
  extracted_answer: string | null;
  sub_em: 0 | 1;
  em: 0 | 1;
  f1: number;
  /** Equal to `sub_em`, as in the original. */
  is_correct: 0 | 1;
}

/** Extracts the answer from `text` and scores it against `golds`. */
export function scoreTrajectory(
  text: string,
  golds: readonly string[],
  options: TrajectoryOptions = {},
): ScoredTrajectory {
  const extracted =
    (options.extractor ?? "thinking") === "thinking"
      ? extractThinkingAnswer(text)
      : extractAnswerIsAnswer(text);
  const scores = scoreAnswer(extracted, golds, options);
  return {
    text,
    extracted_answer: extracted,
    sub_em: scores.sub_em,
    em: scores.em,
    f1: scores.f1,
    is_correct: scores.sub_em,
  };
}
