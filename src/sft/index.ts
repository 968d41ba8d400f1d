/** SFT data from rollouts (§11): convert, filter, clean, validate, and ChatQA2 summaries. */

export { buildSwiftRow, type RowContext } from "./build-row.js";
export {
  CHATQA2_DATASET,
  CHATQA2_SOURCE,
  cleanSummaryQuestion,
  DEFAULT_SUMMARY_KEYWORDS,
  type ExtractSummariesDeps,
  type ExtractSummariesOptions,
  type ExtractSummariesSummary,
  extractSummaries,
  hasSummaryKeyword,
  type ResolvedExtractSummariesOptions,
  resolveExtractSummariesOptions,
  type SummaryRow,
} from "./chatqa2.js";
export { type CleanOptions, type CleanSummary, cleanOutputPath, cleanTraces } from "./clean.js";
export { type CleanTextOptions, cleanText } from "./clean-text.js";
export { assistantTurn, type ConvertSummary, convertOutputPath, convertToSwift } from "./convert.js";
export {
  type ConvertOptions,
  type ResolvedConvertOptions,
  resolveConvertOptions,
} from "./convert-options.js";
export { type FilterSwiftOptions, type FilterSwiftSummary, filterSwift } from "./filter.js";
export {
  cleanedOutputStem,
  datasetOf,
  filteredOutputPath,
  maxSeqPrefix,
  modelFileTag,
  swiftOutputStem,
} from "./names.js";
export {
  type BadLine,
  parseRolloutLine,
  type RolloutLine,
  type RolloutRecord,
  type RolloutTrajectory,
  readRolloutFile,
  readRolloutModel,
} from "./rollout-file.js";
export type { SwiftMessage, SwiftRole, SwiftRow } from "./row.js";
export { type RowModel, resolveRowModel } from "./row-model.js";
export { rankCorrect, selectBest } from "./select-best.js";
export { readSummarySource, type SourceFields, type SourceRow } from "./summary-source.js";
export { messagesRowSchema, schemaProblems, swiftMessagesSchema, swiftRowSchema } from "./swift-schema.js";
export { type LengthStats, lengthStats } from "./token-stats.js";
export {
  ROW_SCHEMAS,
  type RowError,
  type RowSchemaName,
  type TokenSummary,
  type ValidateFileOptions,
  type ValidateFileResult,
  validateSwiftFile,
} from "./validate-file.js";
export { validateSwiftRow } from "./validate-row.js";
