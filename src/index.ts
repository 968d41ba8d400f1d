/**
 * keychain-synth: verifiable long-context QA data for RL and SFT (KeyChain / LoongRL), budget-exact and
 * reproducible. The public API, stage by stage.
 */

// Ordered bounded concurrency (`mapOrdered` is the older array form of `collect(pooledMap(…))`)
export { collect, mapOrdered, type PoolOptions, pooledMap } from "./async/pool.js";
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
// Options every job shares: defaults, problems reported at once
export {
  type ConfigProblem,
  flagName,
  OptionsError,
  Problems,
  snakeCase,
} from "./config/problems.js";
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
export { ConfigError, InputError, KeychainError, type Place, RemoteError, WriteError } from "./errors.js";
// Export for RL (verl parquet)
export * from "./export/index.js";
// Incremental growth of SFT sets to a target size (grow)
export * from "./grow/index.js";
// Files, names, locks, secrets: the primitives every stage uses
export { writeAtomic, writeFileAtomic } from "./io/atomic.js";
export { acquireLock, type FileLock, withLock } from "./io/lock.js";
export { assertPathPart } from "./io/paths.js";
// KeyChain instances
export { buildRoutes, idsNeeded, pairsNeeded, parseTopology, type Topology } from "./keychain/chains.js";
export { drawIds, formatIdFormat, type IdFormat, parseIdFormat } from "./keychain/ids.js";
export { type InsertionPoint, insertAt, insertionPoints, type PointKind } from "./keychain/insertion.js";
export {
  chainsFor,
  distractorsFor,
  KEYCHAIN_DEFAULTS,
  KEYCHAIN_PRESETS,
  type KeychainOptions,
  type KeychainRunConfig,
  resolveKeychainOptions,
} from "./keychain/options.js";
export { serializePair } from "./keychain/pairs.js";
export type { KeychainRecord } from "./keychain/record.js";
export { keychainOutputPath, runKeychain, runKeychainConfig } from "./keychain/run.js";
export {
  type KeychainResult,
  type KeychainSampleOptions,
  synthesizeKeychain,
} from "./keychain/synthesize.js";
// OpenAI-compatible client pool (replicas, retries, concurrency, cancellation)
export {
  BadResponseError,
  type ChatMessage as LlmChatMessage,
  type ChatNResult,
  type ChatPool,
  type ChatPoolOptions,
  type ChatRequest,
  type ChatResult,
  type ChatUsage,
  chatN,
  createChatPool,
  resolveChatPoolOptions,
} from "./llm/index.js";
export { redactText, redactUrl } from "./net/redact.js";
// Config-driven pipeline over datasets × lengths × kinds, shards and merge
export * from "./pipeline/index.js";
export {
  PLAIN_DEFAULTS,
  type PlainOptions,
  type PlainRunConfig,
  resolvePlainOptions,
} from "./plain/options.js";
export {
  type DatasetSpec,
  type FileSummary,
  plainOutputPath,
  type RunEvent,
  runPlain,
  runPlainConfig,
} from "./plain/run.js";
export {
  type BudgetCheck,
  isExactByConstruction,
  type PlainContext,
  type PlainRecord,
  type PlainResult,
  type PlainSampleOptions,
  synthesizePlain,
  type WindowItem,
} from "./plain/synthesize.js";
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
// Plain long-context QA
export { parseLength, parseLengths } from "./run/lengths.js";
// Runs over datasets × lengths
export { type LoadedDataset, type MatrixConfig, runMatrix, type SampleKind } from "./run/matrix.js";
export {
  type DatasetInput,
  MATRIX_DEFAULTS,
  type MatrixOptions,
  resolveMatrixOptions,
} from "./run/options.js";
export {
  parseShard,
  type Shard,
  selectQuestions,
  shardRange,
  windowRange,
  windowSpan,
} from "./run/windows.js";
// Answer extraction and rule-based rewards (sub_em, em, f1, cem)
export * from "./scoring/index.js";
// SFT data from rollouts: convert, filter, clean, validate, ChatQA2 summaries
export * from "./sft/index.js";
// End-to-end check of an OpenAI-compatible endpoint (api-test)
export {
  API_TEST_PROMPTS,
  type ApiTestDeps,
  type ApiTestLine,
  type ApiTestOptions,
  type ApiTestPrompt,
  type ApiTestResult,
  type ApiTestSummary,
  apiTestFailure,
  apiTestMessages,
  type ResolvedApiTestOptions,
  resolveApiTestOptions,
  runApiTest,
  summarizeApiTest,
} from "./stages/api-test.js";
export {
  type ApiTestSample,
  readApiTestSamples,
  SYNTHETIC_QA,
  syntheticApiTestSamples,
} from "./stages/api-test-samples.js";
// Question filtering by pass rate
export { runFilterAgain, runFilterStage1, unionIdFiles } from "./stages/filter.js";
// Reasoning-trace extraction
export { type ReasonOptions, type ReasonSummary, runReason } from "./stages/reason.js";
// Rollouts: resumable generation + rule-based scoring
export * from "./stages/rollout.js";
export { type GenericRecord, generateWorld, type WorldOptions, writeWorldJsonl } from "./synthetic/index.js";
export { hfHubCache, locateHfTokenizer, parseHfRepoRef } from "./tokenizer/hf-cache.js";
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
