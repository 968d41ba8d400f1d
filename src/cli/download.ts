import type { Command } from "commander";
import { DATASET_NAMES, type DatasetName, downloadDataset } from "../download/index.js";
import { ConfigError } from "../errors.js";
import { createProgress } from "./progress.js";

export function registerDownload(program: Command): void {
  program
    .command("download")
    .description(
      "Fetch the public source files of hotpotqa, musique and/or 2wikimqa into a data folder (resumable; re-run to continue)",
    )
    .argument("<names...>", `data sets: ${DATASET_NAMES.join(", ")}`)
    .option("--data-dir <dir>", "where to put them (each in its own folder)", "data")
    .option("--mirror <url>", "base URL of a mirror serving the files under their on-disk names")
    .option("--retries <n>", "retries after a dropped connection or a 408/429/5xx answer", "3")
    .option("-q, --quiet", "no progress output", false)
    .action(async (names: string[], o: Record<string, unknown>) => {
      for (const n of names)
        if (!(DATASET_NAMES as readonly string[]).includes(n))
          throw new ConfigError(`Unknown data set ${JSON.stringify(n)}: use ${DATASET_NAMES.join(", ")}`);
      const retries = Number(o.retries);
      if (!Number.isInteger(retries) || retries < 0)
        throw new ConfigError(`--retries expects an integer ≥ 0, got ${o.retries}`);
      const progress = createProgress(process.stderr, o.quiet as boolean);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      try {
        for (const name of names as DatasetName[]) {
          let current = "";
          const { files } = await downloadDataset(name, {
            dataDir: o.dataDir as string,
            retries,
            signal: controller.signal,
            ...(o.mirror ? { urlOverride: o.mirror as string } : {}),
            onProgress: (p) => {
              if (p.file !== current) {
                current = p.file;
                progress.start(`${name}: ${p.file}`, p.total ?? 0);
              }
              progress.update(p.bytes);
            },
          });
          progress.stop();
          for (const f of files) process.stdout.write(`${name}: ${f}\n`);
        }
      } finally {
        progress.stop();
        process.off("SIGINT", stop);
      }
    });
}
