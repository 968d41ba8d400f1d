/** Dataset statistics (`stats`) and the self-contained HTML report (`report`). */

export { renderChartSvg } from "./chart-svg.js";
export {
  BUDGET_BINS,
  type CollectOptions,
  collectStats,
  type FileReport,
  GROUP_KINDS,
  type GroupKind,
  type GroupStats,
  KEYCHAIN_PROMPT_START,
  type KeychainStats,
  type LengthHistogram,
  NO_DATASET,
  type ReportData,
  type RolloutStats,
  type SampleStats,
  type SftStats,
  type SkipStats,
} from "./collect.js";
export { nearestRank, type Summary, summarize } from "./distribution.js";
export { fillText, rewardText, shareText } from "./format.js";
export { escapeHtml, type HtmlOptions, renderReportHtml } from "./html.js";
export { detectRecordKind, RECORD_KINDS, type RecordKind } from "./kinds.js";
export type { Cell, Chart, ChartSpec, ReportSection, Table } from "./section.js";
export { GROUP_COLUMNS, groupLabel, statsSections } from "./sections.js";
export { formatSections, formatTable } from "./text-table.js";
