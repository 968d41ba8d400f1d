import type { RolloutRecord, RolloutTrajectory } from "./rollout-file.js";
import type { SwiftMessage, SwiftRow } from "./row.js";

/** What every row of one output file shares. */
export interface RowContext {
  dataset: string;
  modelTag: string;
}

/**
 * The SFT row of one trajectory: the messages the rollout sent (the record's stored prompt, the one it is
 * trained on, or its `rollout_prompt` when the rollout sent another), `assistant` as the answer, the
 * trajectory's scores.
 */
export function buildSwiftRow(
  rec: RolloutRecord,
  t: RolloutTrajectory,
  assistant: string,
  ctx: RowContext,
): SwiftRow {
  const messages: SwiftMessage[] = [...rec.record.prompt];
  messages.push({ role: "assistant", content: assistant });
  return {
    messages,
    is_correct: t.is_correct,
    sub_em: t.sub_em,
    em: t.em,
    f1: t.f1,
    extracted_answer: t.extracted_answer,
    answers: rec.record.answers,
    source_index: rec.record.sourceIndex,
    id: rec.record.id,
    dataset: ctx.dataset,
    length: rec.record.length,
    model: ctx.modelTag,
  };
}
