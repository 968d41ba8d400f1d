import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import { loadPipelineConfig } from "../pipeline/config.js";
import {
  type MergeEvent,
  type MergeOptions,
  type MergeResult,
  mergeDirectory,
  mergePipeline,
} from "../pipeline/merge.js";
import { type PipelineEvent, type PipelineResult, runPipeline } from "../pipeline/run.js";
import { resolveShard, type ShardChoice } from "../pipeline/shard-env.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { intOption } from "./numbers.js";
import { createProgress, type Progress } from "./progress.js";
import { printJson, printSummaries, progressReporter } from "./synthesis.js";

/** The flags of `pipeline`, parsed by commander. */
interface PipelineFlags {
  config: string;
  shard?: string;
  force: boolean;
  quiet: boolean;
  json: boolean;
}

/** The flags of `merge`, parsed by commander. */
interface MergeFlags {
  config?: string;
  shards?: number;
  force: boolean;
  quiet: boolean;
  json: boolean;
}

/** `keychain-synth pipeline --config FILE.yaml [--shard i/n] [--force]`. */
export function registerPipeline(program: Command): void {
  program
    .command("pipeline")
    .description(
      "Run a YAML config: plain and KeyChain files for every data set × length (skipping those up to date), a manifest, and the verl export",
    )
    .requiredOption("-c, --config <file>", "pipeline config (YAML); see examples/pipeline.yaml")
    .option(
      "--shard <i/n|none>",
      "make shard i of n (0-based); default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX + KEYCHAIN_SYNTH_SHARDS; none ignores them",
    )
    .option("--force", "make every file and export again, even those up to date", false)
    .option("-q, --quiet", "no progress output", false)
    .option("--json", "print the run's result (manifest and file summaries) as JSON", false)
    .action(async (o: PipelineFlags) => {
      const config = await loadPipelineConfig(o.config);
      const shard = resolveShard(o.shard, process.env);
      const progress = createProgress(process.stderr, o.quiet);
      const counter = await resolveTokenizer(config.tokenizer);
      try {
        const result = await runPipeline(
          config,
          { counter, onEvent: pipelineReporter(progress, shard) },
          { ...(shard ? { shard } : {}), force: o.force },
        );
        progress.stop();
        if (o.json) printJson(result);
        else {
          printSummaries(result.summaries);
          printPipelineResult(result);
        }
      } finally {
        progress.stop();
        await counter.close();
      }
    });
}

/** `keychain-synth merge --config FILE.yaml` or `keychain-synth merge DIR`. */
export function registerMerge(program: Command): void {
  program
    .command("merge")
    .description(
      "Join shard files (….shard-i-of-n.jsonl) into whole files once every shard is present and complete; nothing is written otherwise",
    )
    .argument("[dir]", "merge every shard group found under this folder (instead of --config)")
    .option(
      "-c, --config <file>",
      "merge every file of this pipeline config, checking each shard was made with it",
    )
    .option("--shards <n>", "shard count to merge when several are on disk", intOption("--shards", 1))
    .option("--force", "merge again even when the whole file is up to date", false)
    .option("-q, --quiet", "no progress or notes on stderr (results and errors are still printed)", false)
    .option("--json", "print the merged and up-to-date files as JSON", false)
    .action(async (dir: string | undefined, o: MergeFlags) => {
      const options: MergeOptions = {
        force: o.force,
        ...(o.shards !== undefined ? { shards: o.shards } : {}),
        ...(o.json ? {} : { onEvent: mergeReporter(process.stdout) }),
      };
      let result: MergeResult;
      if (dir !== undefined && o.config === undefined) result = await mergeDirectory(dir, options);
      else if (dir === undefined && o.config !== undefined) result = await mergeConfig(o.config, options);
      else throw new ConfigError("Give either --config FILE.yaml or a folder to merge, not both");
      if (o.json) printJson(result);
      else
        process.stdout.write(
          `merged ${result.merged.length} file${result.merged.length === 1 ? "" : "s"}, ${result.upToDate.length} already up to date\n`,
        );
    });
}

/** Merge every file of a pipeline config (its tokenizer is loaded to check the shards' ids). */
async function mergeConfig(path: string, options: MergeOptions): Promise<MergeResult> {
  const config = await loadPipelineConfig(path);
  const counter = await resolveTokenizer(config.tokenizer);
  try {
    return await mergePipeline(config, counter.id, options);
  } finally {
    await counter.close();
  }
}

/** Pipeline events → step lines (`[3/12] keychain hotpotqa 16384`) and the runners' progress display. */
export function pipelineReporter(progress: Progress, shard?: ShardChoice): (e: PipelineEvent) => void {
  const run = progressReporter(progress);
  const tag = (n: number, total: number) => `[${n}/${total}]`;
  return (e) => {
    switch (e.type) {
      case "plan":
        progress.log(
          `pipeline: ${e.steps} files, ${e.toRun} to make${shard ? `; shard ${shard.shard.index}/${shard.shard.count} (from ${shard.from})` : ""}; manifest ${e.manifest}`,
        );
        if (e.exportSkippedForShard)
          progress.log(
            "export: not run for a shard (merge the shards, then run the pipeline without --shard)",
          );
        break;
      case "step-skip":
        progress.log(
          `${tag(e.step.number, e.total)} ${e.step.kind} ${e.step.dataset.name} ${e.step.length}: up to date`,
        );
        break;
      case "step-start":
        progress.log(
          `${tag(e.step.number, e.total)} ${e.step.kind} ${e.step.dataset.name} ${e.step.length}${e.reason === "new" ? "" : ` (again: ${e.reason})`}`,
        );
        break;
      case "run":
        run(e.event);
        break;
      case "export-done": {
        const head = `${tag(e.step.number, e.total)} export verl ${e.dir}`;
        if (e.status === "skipped-empty") progress.log(`${head}: no samples, nothing to export`);
        else if (e.status === "skipped-existing") progress.log(`${head}: up to date`);
        else if (e.result)
          progress.log(`${head}: train ${e.result.train}, test ${e.result.test}, valid ${e.result.valid}`);
        break;
      }
    }
  };
}

function printPipelineResult(r: PipelineResult, out: NodeJS.WritableStream = process.stdout): void {
  const t = r.manifest.steps;
  const count = (s: string) => t.filter((x) => x.status === s).length;
  out.write(
    `${t.length} files: ${count("done")} made, ${count("skipped-existing")} up to date; manifest ${r.manifestPath}\n`,
  );
}

function mergeReporter(out: NodeJS.WritableStream): (e: MergeEvent) => void {
  return (e) => {
    if (e.type === "merged") out.write(`${e.whole}: ${e.shards} shards merged, ${e.written} samples\n`);
    else out.write(`${e.whole}: up to date\n`);
  };
}
