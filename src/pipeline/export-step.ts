/** The verl export of one data file, skipped when its parquet files already match the data and options. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ExportVerlOptions, type ExportVerlResult, exportVerl, SPLIT_NAMES } from "../export/verl.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { VerlExportConfig } from "./config.js";
import { canonicalJson } from "./hash.js";
import { fileExists } from "./sidecar.js";

/** `{dir}/export.json`: what the parquet files in `dir` were made from. */
interface ExportStamp {
  data_file: string;
  data_step_key: string;
  options: Omit<ExportVerlOptions, "input" | "outDir">;
  result: Pick<ExportVerlResult, "train" | "test" | "valid" | "withheld" | "kind" | "dataSource">;
}

export type ExportOutcome =
  | { status: "done" | "skipped-existing"; result: ExportStamp["result"] }
  | { status: "skipped-empty" };

/**
 * Options of one file's export: the first `written − test_size − valid_size` rows train, then up to
 * `test_size` rows test and the rest (up to `valid_size`) valid.
 */
export function verlOptions(verl: VerlExportConfig, written: number): ExportStamp["options"] {
  return {
    startIndex: 0,
    endIndex: Math.max(0, written - verl.testSize - verl.validSize),
    testSize: verl.testSize,
    validSize: verl.validSize,
    seed: verl.seed,
    withAliases: verl.withAliases,
  };
}

/**
 * Export `input` (a data file with `written` records and step key `dataKey`) into `dir`. When `reuse` is set
 * and `dir` holds the three parquet files with a stamp of the same data key and options, nothing is redone.
 */
export async function exportStep(
  input: string,
  dir: string,
  verl: VerlExportConfig,
  written: number,
  dataKey: string,
  reuse: boolean,
): Promise<ExportOutcome> {
  if (written === 0) return { status: "skipped-empty" };
  const options = verlOptions(verl, written);
  const stampPath = join(dir, "export.json");
  if (reuse) {
    const prior = await readStamp(stampPath);
    const files = await Promise.all(SPLIT_NAMES.map((s) => fileExists(join(dir, `${s}.parquet`))));
    if (
      prior &&
      files.every(Boolean) &&
      prior.data_step_key === dataKey &&
      canonicalJson(prior.options) === canonicalJson(options)
    )
      return { status: "skipped-existing", result: prior.result };
  }
  const r = await exportVerl({ ...options, input, outDir: dir });
  const stamp: ExportStamp = {
    data_file: input,
    data_step_key: dataKey,
    options,
    result: {
      train: r.train,
      test: r.test,
      valid: r.valid,
      withheld: r.withheld,
      kind: r.kind,
      dataSource: r.dataSource,
    },
  };
  await writeFileAtomic(stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
  return { status: "done", result: stamp.result };
}

async function readStamp(path: string): Promise<ExportStamp | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as ExportStamp;
  } catch {
    return undefined;
  }
}
