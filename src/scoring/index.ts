/** Answer scoring: extraction from model outputs, normalisation and the sub_em / em / f1 / cem metrics. */

export {
  extractAnswerIsAnswer,
  extractFirstAnswerIs,
  extractThinkingAnswer,
  lastBoxedOnlyString,
  removeBoxed,
} from "./extract.js";
export { type AnswerScores, cem, containsRun, scoreAnswer, tokenF1 } from "./metrics.js";
export { answerTokens, normalizeAnswer, normalizeAnswerCompat } from "./normalize.js";
export {
  type ResolvedScoreOptions,
  resolveScoreOptions,
  SCORE_MODES,
  type ScoreMode,
  type ScoreOptions,
} from "./options.js";
export {
  type ResolvedScoreFileOptions,
  resolveScoreFileOptions,
  type ScoreFileOptions,
  type ScoreSummary,
  scoreFile,
} from "./score-file.js";
export {
  EXTRACTORS,
  type Extractor,
  type ScoredTrajectory,
  scoreTrajectory,
  type TrajectoryOptions,
} from "./trajectory.js";
