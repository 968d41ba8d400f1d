/** Incremental growth of SFT sets (§12, without W18/W19): disjoint new windows, resumable rounds, exact merges. */
export {
  changedSettings,
  configFingerprint,
  configHash,
  GROW_DEFAULTS,
  GROW_RULES,
  type GrowConfig,
  GrowConfigError,
  type GrowDataset,
  type GrowFile,
  type GrowRule,
  loadGrowConfig,
  resolveGrowConfig,
} from "./config.js";
export {
  type ExistingSet,
  expandPattern,
  findExistingFile,
  type KeyField,
  keyFieldOf,
  readExistingSets,
  readSetRows,
  type SetRow,
  usedKeys,
} from "./existing.js";
export {
  CELL_STATUSES,
  type CellStatus,
  type GrowManifest,
  type ManifestCell,
  type ManifestDataset,
  type ManifestRound,
  manifestPathOf,
  parseManifest,
  ROUND_STAGES,
  type RoundStage,
  readManifest,
} from "./manifest.js";
export { initialCursor, mergedName, nextWindow, roundDir, takenKeys } from "./plan.js";
export {
  type GrowDeps,
  type GrowEvent,
  GrowIncompleteError,
  type GrowPlan,
  type GrowResult,
  planGrow,
  runGrow,
} from "./run.js";
export { cellRows, renderPlan, renderStatus } from "./status.js";
