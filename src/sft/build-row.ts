import { ConfigError } from "../errors.js";
import { type RolloutPrompt, rolloutUserMessage } from "../stages/rollout.js";
import type { RolloutRecord, RolloutTrajectory } from "./rollout-file.js";
import type { SwiftMessage, SwiftRow } from "./row.js";

/** What every row of one output file shares. */
export interface RowContext {
  prompt: RolloutPrompt;
  /** System message text; `undefined` = no system message. */
  system: string | undefined;
  dataset: string;
  modelTag: string;
}

/** The SFT row of one trajectory: the rollout's prompt, `assistant` as the answer, the trajectory's scores. */
export function buildSwiftRow(
  rec: RolloutRecord,
  t: RolloutTrajectory,
  assistant: string,
  ctx: RowContext,
): SwiftRow {
  if (ctx.prompt === "keychain" && rec.record.kind !== "keychain")
    throw new ConfigError(
      `--prompt keychain needs KeyChain records, but record "${rec.record.id}" is a plain record (no distractor_context)`,
    );
  const messages: SwiftMessage[] = [];
  if (ctx.system !== undefined) messages.push({ role: "system", content: ctx.system });
  messages.push({ role: "user", content: rolloutUserMessage(rec.record, ctx.prompt) });
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
