/** Config-driven runs: a YAML config → every kind × data set × length file, resumable, shardable, exported. */

export { type ConfigProblem, formatProblem } from "../config/problems.js";
export {
  KIND_NAMES,
  type KindName,
  loadPipelineConfig,
  PIPELINE_DEFAULTS,
  type PipelineConfig,
  type PipelineDataset,
  type ResolveOptions,
  resolvePipelineConfig,
  type VerlExportConfig,
} from "./config.js";
export { CONFIG_RULES, type ConfigRule } from "./config-rules.js";
export { checkSchema, type PipelineFile } from "./config-schema.js";
export { type Manifest, type ManifestStep, manifestPath } from "./manifest.js";
export {
  combineSummaries,
  type MergeEvent,
  type MergeOptions,
  type MergeResult,
  mergeDirectory,
  mergePipeline,
} from "./merge.js";
export { type PipelineStep, planSteps, verlDir } from "./plan.js";
export { PipelineConfigError, ShardMergeError } from "./problems.js";
export {
  type PipelineDeps,
  type PipelineEvent,
  type PipelineResult,
  type PipelineRunOptions,
  runPipeline,
} from "./run.js";
export { resolveShard, type ShardChoice } from "./shard-env.js";
