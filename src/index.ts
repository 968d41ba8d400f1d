/**
 * keychain-synth: verifiable long-context QA data for RL and SFT (KeyChain / LoongRL), budget-exact and
 * reproducible. The public API, stage by stage.
 */

export { type DocCountsOptions, defaultCacheDir, docTokenCounts } from "./cache/doc-counts.js";
// Composing contexts
export {
  DEFAULT_LAYOUT,
  layoutIsNewlineBounded,
  type PassageLayout,
  parseLayout,
  renderContext,
} from "./compose/layout.js";
export { formatPlacement, type Placement, parsePlacement, placeDocuments } from "./compose/placement.js";
export { normalizeQuestion, QuestionPool } from "./compose/question-pool.js";
export { type Selection, type SelectRequest, selectDocuments } from "./compose/select.js";
export { SizedCorpus } from "./compose/sized-corpus.js";
export { collapseWhitespace } from "./compose/whitespace.js";
// Corpus: reading source data sets
export {
  corpusFingerprint,
  detectFormat,
  type ReadCorpusOptions,
  readCorpus,
  readIdList,
} from "./corpus/read.js";
export { type Corpus, FORMAT_NAMES, type FormatName, type QaRecord } from "./corpus/types.js";
// Data sources
export { DATASET_NAMES, type DatasetName, DownloadError, downloadDataset } from "./download/index.js";
// Errors
export { ConfigError, InputError, KeychainError, type Place, RemoteError } from "./errors.js";
// Export for RL (verl parquet)
export * from "./export/index.js";
// Incremental growth of SFT sets to a target size (grow)
export * from "./grow/index.js";
// KeyChain instances
export { buildRoutes, idsNeeded, pairsNeeded, parseTopology, type Topology } from "./keychain/chains.js";
export { drawIds, formatIdFormat, type IdFormat, parseIdFormat } from "./keychain/ids.js";
export { type InsertionPoint, insertAt, insertionPoints, type PointKind } from "./keychain/insertion.js";
export { serializePair } from "./keychain/pairs.js";
export type { KeychainRecord } from "./keychain/record.js";
export { type KeychainRunConfig, keychainOutputPath, runKeychain } from "./keychain/run.js";
export { type KeychainOptions, type KeychainResult, synthesizeKeychain } from "./keychain/synthesize.js";
// OpenAI-compatible client pool (replicas, retries, concurrency, cancellation)
export {
  BadResponseError,
  type ChatMessage as LlmChatMessage,
  type ChatPool,
  type ChatPoolOptions,
  type ChatRequest,
  type ChatResult,
  type ChatUsage,
  createChatPool,
  mapOrdered,
  resolveChatPoolOptions,
} from "./llm/index.js";
// Config-driven pipeline over datasets × lengths × kinds, shards and merge
export * from "./pipeline/index.js";
// Plain long-context QA
export { parseLength, parseLengths } from "./plain/lengths.js";
export {
  type DatasetSpec,
  type FileSummary,
  type PlainRunConfig,
  plainOutputPath,
  type RunEvent,
  runPlain,
} from "./plain/run.js";
export {
  type BudgetCheck,
  isExactByConstruction,
  type PlainContext,
  type PlainOptions,
  type PlainRecord,
  type PlainResult,
  synthesizePlain,
  type WindowItem,
} from "./plain/synthesize.js";
export { parseShard, type Shard, selectQuestions, shardRange, windowRange } from "./plain/windows.js";
// The one renderer (stored prompts) and chat templates (the budget in the trainer's measure)
export * from "./prompt/chat-template.js";
export * from "./prompt/framing.js";
export * from "./prompt/messages.js";
export * from "./prompt/stage-templates.js";
// Prompts (wire formats)
export * from "./prompt/templates.js";
export { parseTemplate, type Template } from "./prompt/user-template.js";
// Dataset statistics and the self-contained HTML report
export * from "./report/index.js";
// verl rollout-log difficulty analysis (per step and class: reward, non-constant, all-right/all-wrong prompts)
export {
  analyzeRolloutLogs,
  type ClassStepStats,
  classifyPrompt,
  PROMPT_CLASSES,
  type PromptClass,
  type RolloutLogAnalysis,
  type RolloutLogOptions,
  rolloutLogSection,
  type StepStats,
  splitPrompt,
  writeRolloutLogCsvs,
} from "./report/rollout-logs.js";
// Randomness
export { Rng } from "./rng.js";
// Runs over datasets × lengths
export { type LoadedDataset, type MatrixConfig, runMatrix, type SampleKind } from "./run/matrix.js";
// Answer extraction and rule-based rewards (sub_em, em, f1, cem)
export * from "./scoring/index.js";
// SFT data from rollouts: convert, filter, clean, validate, ChatQA2 summaries
export * from "./sft/index.js";
// Question filtering by pass rate
export { runFilterAgain, runFilterStage1, unionIdFiles } from "./stages/filter.js";
// Reasoning-trace extraction
export { type ReasonOptions, type ReasonSummary, runReason } from "./stages/reason.js";
// Rollouts: resumable generation + rule-based scoring
export * from "./stages/rollout.js";
export { type GenericRecord, generateWorld, type WorldOptions, writeWorldJsonl } from "./synthetic/index.js";
// Tokenizers
export { resolveTokenizer } from "./tokenizer/resolve.js";
export type { TokenCounter } from "./tokenizer/types.js";
// Verifying KeyChain instances
export {
  VERIFY_CODES,
  type VerifyCode,
  type VerifyFailure,
  type VerifyFileOptions,
  type VerifyResult,
  type VerifySummary,
  verifyFile,
  verifyRecord,
} from "./verify/index.js";
