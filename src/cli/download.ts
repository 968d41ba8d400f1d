import type { Command } from "commander";
import { DOWNLOAD_DEFAULTS } from "../download/download-dataset.js";
import { DATASET_NAMES, type DatasetName, downloadDataset } from "../download/index.js";
import { ConfigError } from "../errors.js";
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
      try {
        for (const name of datasets) {
          let current = "";
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
        }
      } finally {
        progress.stop();
        process.off("SIGINT", stop);
      }
      if (o.json) printJson({ datasets: done });
    });
}
