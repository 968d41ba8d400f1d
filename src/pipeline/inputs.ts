/** The hashed inputs of a pipeline's steps: source files, the id list, and each step's key. */
import type { PipelineConfig } from "./config.js";
import { sha256File } from "./hash.js";
import { type KindConfig, kindConfig, type PipelineStep } from "./plan.js";
import { stepKey } from "./step-key.js";

export interface StepInputHashes {
  /** Data set name → SHA-256 of its source file. */
  sourceSha256: Map<string, string>;
  /** The `filter_ids` file and its SHA-256, when the config has one. */
  filterIds?: { path: string; sha256: string };
  /** One key per step, in step order. */
  keys: string[];
}

/** Hash every source file once and key every step (see {@link stepKey}). */
export async function hashStepInputs(
  config: PipelineConfig,
  steps: readonly PipelineStep[],
  tokenizerId: string,
): Promise<StepInputHashes> {
  const sourceSha256 = new Map<string, string>();
  for (const d of config.datasets) sourceSha256.set(d.name, await sha256File(d.path));
  const filterPath = config.plain?.filterIds ?? config.keychain?.filterIds;
  const filterIds =
    filterPath !== undefined ? { path: filterPath, sha256: await sha256File(filterPath) } : undefined;
  const keys = steps.map((s) =>
    stepKey(s, kindConfig(config, s.kind) as KindConfig, {
      sourceSha256: sourceSha256.get(s.dataset.name) as string,
      tokenizerId,
      ...(filterIds ? { filterIdsSha256: filterIds.sha256 } : {}),
    }),
  );
  return { sourceSha256, keys, ...(filterIds ? { filterIds } : {}) };
}
