/**
 * The defaults {@link resolveRolloutOptions} fills in, for callers that resolve rollout settings of their own
 * (the grow config). The extractor's default depends on the prompt, so it is not here.
 */
export const ROLLOUT_DEFAULTS = {
  n: 4,
  temperature: 0.6,
  maxTokens: 4096,
  prompt: "stored",
  mode: "default",
  startIndex: 0,
  endIndex: -1,
  out: "trajectories",
} as const;
