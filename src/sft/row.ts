/** The ms-swift SFT row this module writes (one conversation plus the scores of its assistant turn). */

export type SwiftRole = "system" | "user" | "assistant";

export interface SwiftMessage {
  role: SwiftRole;
  content: string;
}

/**
 * One SFT row, keys in the order they are written. `convert` writes one per trajectory, `filter` keeps the
 * best per question, `clean` writes one per question with a reformatted assistant turn.
 */
export interface SwiftRow {
  /** Optional system message first, then the rollout's user message, then the assistant turn. */
  messages: SwiftMessage[];
  /** Equal to `sub_em`, as the rollout writes it. */
  is_correct: number;
  sub_em: number;
  em: number;
  f1: number;
  extracted_answer: string | null;
  answers: string[];
  /** Position of the question in its source list (groups the trajectories of one question). */
  source_index: number;
  /** Source question id (lets later steps dedup across files). */
  id: string;
  /** Name of the folder the rollout file sits in (the data set). */
  dataset: string;
  /** The record's `length` (prompt tokens + G). */
  length: number;
  /** The model tag given to convert / clean, not the rollout model. */
  model: string;
}
