/**
 * The defaults of the question filter's two stages, written once: the library fills them in, the CLI shows
 * them in its help.
 */
import { ROLLOUT_DEFAULTS } from "./rollout-defaults.js";

/** Stage 1 (reference §7.2): Qwen2.5-32B-Instruct, 8 answers per question at T = 1.0, 2,048 tokens. */
export const FILTER_STAGE1_DEFAULTS = {
  n: 8,
  temperature: 1.0,
  maxTokens: 2048,
  metric: "cem",
  out: "filter",
} as const;

/** Stage 2, "filter again" (reference §8): a trained model, 8 samples per row, as a rollout. */
export const FILTER_AGAIN_DEFAULTS = {
  n: 8,
  temperature: ROLLOUT_DEFAULTS.temperature,
  maxTokens: ROLLOUT_DEFAULTS.maxTokens,
  prompt: ROLLOUT_DEFAULTS.prompt,
  mode: ROLLOUT_DEFAULTS.mode,
  out: "filter",
} as const;
