/** Dataset statistics (`stats`) and the self-contained HTML report (`report`). */

export { renderChartSvg } from "./chart-svg.js";
export {
  type CollectOptions,
  collectStats,
  type FileReport,
  NO_DATASET,
  type ReportData,
} from "./collect.js";
export type { DifficultyStats, PassByValue, PassCell } from "./difficulty-stats.js";
export { nearestRank, type Summary, summarize } from "./distribution.js";
export { fillText, rewardText, shareText } from "./format.js";
export { GROUP_KINDS, type GroupKind, KEYCHAIN_PROMPT_START } from "./group-kind.js";
export type { GroupStats } from "./group-stats.js";
export { escapeHtml, type HtmlOptions, renderReportHtml } from "./html.js";
export type { KeychainStats } from "./keychain-stats.js";
export { detectRecordKind, RECORD_KINDS, type RecordKind } from "./kinds.js";
export type { RolloutStats } from "./rollout-stats.js";
export { BUDGET_BINS, type LengthHistogram, type SampleStats } from "./sample-stats.js";
export type { Cell, Chart, ChartSpec, ReportSection, Table } from "./section.js";
export { GROUP_COLUMNS, groupLabel, statsSections } from "./sections.js";
export type { SftStats } from "./sft-stats.js";
export type { SkipStats } from "./skip-stats.js";
export { formatSections, formatTable } from "./text-table.js";
