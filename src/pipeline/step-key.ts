/**
 * A step's key: SHA-256 over everything its data file depends on — kind, data set name and format, the
 * source file's SHA-256, the tokenizer id, the length, the question window and the kind's resolved options
 * (with the id list's SHA-256 for `filter_ids`). Equal keys give byte-identical files, so a file whose sidecar
 * carries the key of the step is up to date. Output paths, cache folder and shard are not part of it.
 */
import { formatPlacement, type Placement } from "../compose/placement.js";
import { formatTopology, type Topology } from "../keychain/chains.js";
import { formatIdFormat, type IdFormat } from "../keychain/ids.js";
import type { Template } from "../prompt/user-template.js";
import { canonicalJson, sha256Text } from "./hash.js";
import type { KindConfig, PipelineStep } from "./plan.js";

/** Bump when the key's content changes meaning. */
const KEY_VERSION = 1;

/** A kind's resolved config as plain JSON: templates, placements, id formats and topologies as their specs. */
export function kindConfigJson(config: KindConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    switch (key) {
      case "template":
        out[key] = (value as Template).source;
        break;
      case "placement":
        out[key] = formatPlacement(value as Placement);
        break;
      case "idFormat":
        out[key] = formatIdFormat(value as IdFormat);
        break;
      case "topology":
        out[key] = formatTopology(value as Topology);
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

/** Fields that place or name a file rather than decide its content (the window stands for the last three;
 * the tokenizer's id stands for its spec; worker threads give the same bytes whatever their number). */
const NOT_CONTENT = new Set([
  "workers",
  "tokenizer",
  "datasets",
  "lengths",
  "out",
  "cacheDir",
  "shard",
  "filterIds",
  "numSamples",
  "preSamples",
  "disjointWindows",
]);

/** The inputs a step's key needs besides the config. */
export interface StepInputs {
  /** SHA-256 of the data set's source file. */
  sourceSha256: string;
  /** SHA-256 of the `filter_ids` file, when there is one. */
  filterIdsSha256?: string;
  tokenizerId: string;
}

export function stepKey(step: PipelineStep, config: KindConfig, inputs: StepInputs): string {
  const options = Object.fromEntries(
    Object.entries(kindConfigJson(config)).filter(([k]) => !NOT_CONTENT.has(k)),
  );
  return sha256Text(
    canonicalJson({
      version: KEY_VERSION,
      kind: step.kind,
      dataset: step.dataset.name,
      format: step.dataset.format ?? null,
      source_sha256: inputs.sourceSha256,
      filter_ids_sha256: inputs.filterIdsSha256 ?? null,
      tokenizer: inputs.tokenizerId,
      length: step.length,
      window: step.window,
      options,
    }),
  );
}
