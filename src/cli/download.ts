import type { Command } from "commander";
import { DOWNLOAD_DEFAULTS } from "../download/download-dataset.js";
import { DATASET_NAMES, type DatasetName, downloadDataset } from "../download/index.js";
import { ConfigError, KeychainError } from "../errors.js";
import { MATRIX_DEFAULTS } from "../run/options.js";
import { intOption } from "./numbers.js";
import { createProgress } from "./progress.js";
import { printJson } from "./synthesis.js";

/** The flags of `download`, parsed by commander. */
interface DownloadFlags {
  dataDir: string;
  mirror?: string;
  retries: number;
  quiet: boolean;
  json: boolean;
}

/** The data sets named on the command line, each checked. */
function datasetNames(names: readonly string[]): DatasetName[] {
  return names.map((n) => {
    const name = DATASET_NAMES.find((d) => d === n);
    if (name === undefined)
      throw new ConfigError(`Unknown data set ${JSON.stringify(n)}: use ${DATASET_NAMES.join(", ")}`);
    return name;
  });
}

/** Some of the requested data sets could not be fetched (each was reported as it failed). */
class DownloadsFailedError extends KeychainError {
  override name = "DownloadsFailedError";
}

export function registerDownload(program: Command): void {
  program
    .command("download")
    .description(
      "Fetch the public source files of hotpotqa, musique and/or 2wikimqa into a data folder (resumable; re-run to continue)",
    )
    .argument("<names...>", `data sets: ${DATASET_NAMES.join(", ")}`)
    .option("--data-dir <dir>", "where to put them (each in its own folder)", MATRIX_DEFAULTS.dataDir)
    .option("--mirror <url>", "base URL of a mirror serving the files under their on-disk names")
    .option(
      "--retries <n>",
      "retries after a dropped connection or a 408/429/5xx answer",
      intOption("--retries", 0),
      DOWNLOAD_DEFAULTS.retries,
    )
    .option("-q, --quiet", "no progress output", false)
    .option("--json", "print the downloaded files as JSON", false)
    .action(async (names: string[], o: DownloadFlags) => {
      const datasets = datasetNames(names);
      const progress = createProgress(process.stderr, o.quiet);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      const done: { name: DatasetName; files: string[] }[] = [];
      const failed: { name: DatasetName; error: string }[] = [];
      let firstError: unknown;
      try {
        // Every requested data set is tried, so an offline run reports each of them, not just the first.
        for (const name of datasets) {
          if (controller.signal.aborted) break;
          let current = "";
          try {
            const { files } = await downloadDataset(name, {
              dataDir: o.dataDir,
              retries: o.retries,
              signal: controller.signal,
              ...(o.mirror ? { urlOverride: o.mirror } : {}),
              onProgress: (p) => {
                if (p.file !== current) {
                  current = p.file;
                  progress.start(`${name}: ${p.file}`, p.total ?? 0);
                }
                progress.update(p.bytes);
              },
            });
            progress.stop();
            if (!o.json) for (const f of files) process.stdout.write(`${name}: ${f}\n`);
            done.push({ name, files });
          } catch (e) {
            progress.stop();
            if (controller.signal.aborted || !(e instanceof KeychainError)) throw e;
            firstError ??= e;
            failed.push({ name, error: e.message });
            if (!o.json) process.stderr.write(`${name}: failed: ${e.message}\n`);
          }
        }
      } finally {
        progress.stop();
        process.off("SIGINT", stop);
      }
      if (o.json) printJson({ datasets: done, failed });
      if (failed.length > 0) {
        if (failed.length === 1 && done.length === 0) throw firstError;
        throw new DownloadsFailedError(
          `${failed.length} of ${datasets.length} data sets failed: ${failed.map((f) => f.name).join(", ")} (see above)`,
        );
      }
    });
}
