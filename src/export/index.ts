/** RL export: synthesised JSONL → trainer formats (verl parquet). */

export type { SystemPrompt } from "../prompt/messages.js";
export { apportion, type MixPlan, type MixPlanOptions, type MixSourceIds, planMix } from "./mix-plan.js";
export { AtomicParquetFile } from "./parquet-file.js";
export type { DroppedRow } from "./prompt-check.js";
export { detectKind, type ExportKind, type ExportRecord, parseExportLine, recordBudget } from "./records.js";
export { planSplits, type SplitOptions, type SplitPlan } from "./splits.js";
export {
  type ExportVerlOptions,
  type ExportVerlResult,
  exportVerl,
  type ResolvedExportVerlOptions,
  resolveExportVerlOptions,
  SPLIT_NAMES,
} from "./verl.js";
export {
  type ExportVerlMixOptions,
  type ExportVerlMixResult,
  exportVerlMix,
  type MixSource,
  type MixSourceResult,
  type ResolvedExportVerlMixOptions,
  resolveExportVerlMixOptions,
} from "./verl-mix.js";
export { EXPORT_VERL_DEFAULTS, type VerlWriteOptions } from "./verl-options.js";
export {
  type ChatMessage,
  dataSourceName,
  groundTruth,
  type RowOptions,
  type SplitName,
  toColumnData,
  toVerlRow,
  VERL_ABILITY,
  VERL_COLUMNS,
  VERL_SCHEMA,
  type VerlRow,
} from "./verl-row.js";
