/** Scoring one model output (a trajectory) end to end: extraction, then the metrics. */

import { extractAnswerIsAnswer, extractThinkingAnswer } from "./extract.js";
import { scoreAnswer } from "./metrics.js";
import type { ScoreOptions } from "./options.js";

const THINK_END = "</think>";

/**
 * - `"thinking"`: last `\boxed{…}` after the last `</think>` ({@link extractThinkingAnswer}).
 * - `"answer-is"`: text after the last "the answer is" ({@link extractAnswerIsAnswer}).
 */
export type Extractor = "thinking" | "answer-is";

export const EXTRACTORS: readonly Extractor[] = ["thinking", "answer-is"];

export interface TrajectoryOptions extends ScoreOptions {
  /** @default "thinking" */
  extractor?: Extractor;
  /**
   * The trajectory's thinking, when the server returned it apart from `text` (vLLM or SGLang with a
   * reasoning parser). `text` is then the part after `</think>`: the "thinking" extractor takes the last
   * `\boxed{…}` of `text` (after its last `</think>` if it still has one) instead of giving `null` for want
   * of a `</think>`. The "answer-is" extractor reads `text` as always. Recorded as `reasoning_content`.
   * @default undefined (the thinking, if any, is part of `text`)
   */
  reasoning?: string;
}

/** One scored trajectory, keys in the original's order (then `reasoning_content`, which it did not have). */
export interface ScoredTrajectory {
  text: string;
  extracted_answer: string | null;
  sub_em: 0 | 1;
  em: 0 | 1;
  f1: number;
  /** Equal to `sub_em`, as in the original. */
  is_correct: 0 | 1;
  /** The thinking the server returned apart from `text`; absent when it returned none. */
  reasoning_content?: string;
}

/** Extracts the answer from `text` and scores it against `golds`. */
export function scoreTrajectory(
  text: string,
  golds: readonly string[],
  options: TrajectoryOptions = {},
): ScoredTrajectory {
  const { reasoning } = options;
  const extracted =
    (options.extractor ?? "thinking") === "answer-is"
      ? extractAnswerIsAnswer(text)
      : // With the thinking apart, `text` reads as if it followed a `</think>`: the prefix is the last one
        // only when `text` has none of its own.
        extractThinkingAnswer(reasoning === undefined ? text : `${THINK_END}${text}`);
  const scores = scoreAnswer(extracted, golds, options);
  const scored: ScoredTrajectory = {
    text,
    extracted_answer: extracted,
    sub_em: scores.sub_em,
    em: scores.em,
    f1: scores.f1,
    is_correct: scores.sub_em,
  };
  if (reasoning !== undefined) scored.reasoning_content = reasoning;
  return scored;
}
