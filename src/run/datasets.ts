import { join } from "node:path";
import type { FormatName } from "../corpus/types.js";
import { FORMAT_NAMES } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import { assertPathPart } from "../io/paths.js";
import type { DatasetSpec } from "./matrix.js";

/** Where `keychain-synth download NAME --data-dir DIR` puts each public data set's training file. */
export const DOWNLOADED_TRAIN_FILES: Record<string, string> = {
  hotpotqa: "hotpotqa/hotpot_train_v1.1.json",
  musique: "musique/musique_full_v1.0_train.jsonl",
  "2wikimqa": "2wikimqa/train.json",
};

/**
 * Parse `--datasets`: comma-separated entries, each `PATH`, `NAME=PATH`, or a public data set name
 * (`hotpotqa`, `musique`, `2wikimqa`) meaning its downloaded file under `dataDir`. A NAME becomes a folder
 * name, so it must be one ({@link assertPathPart}).
 */
export function parseDatasets(
  list: string[],
  dataDir: string,
  format: FormatName | undefined,
): DatasetSpec[] {
  const entries = list
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) throw new ConfigError("No data set given");
  return entries.map((entry) => {
    const eq = entry.indexOf("=");
    if (eq > 0) {
      const name = assertPathPart(entry.slice(0, eq), "data set name");
      return withFormat({ name, path: entry.slice(eq + 1) }, format);
    }
    const known = DOWNLOADED_TRAIN_FILES[entry];
    if (known) return withFormat({ name: entry, path: join(dataDir, known) }, format);
    return withFormat({ path: entry }, format);
  });
}

function withFormat(spec: DatasetSpec, format: FormatName | undefined): DatasetSpec {
  return format ? { ...spec, format } : spec;
}

export function parseFormat(value: string | undefined): FormatName | undefined {
  if (value === undefined) return undefined;
  if ((FORMAT_NAMES as readonly string[]).includes(value)) return value as FormatName;
  throw new ConfigError(`Unknown format ${JSON.stringify(value)}: use one of ${FORMAT_NAMES.join(", ")}`);
}
