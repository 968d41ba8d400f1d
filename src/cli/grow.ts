import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import {
  type GrowEvent,
  GrowIncompleteError,
  loadGrowConfig,
  manifestPathOf,
  planGrow,
  readManifest,
  renderPlan,
  renderStatus,
  runGrow,
} from "../grow/index.js";
import { createChatPool } from "../llm/index.js";
import { withInterrupt } from "./chat-pool.js";
import type { Progress } from "./progress.js";
import { withTokenizer } from "./synthesis.js";

/** The flags of `grow`, parsed by commander. */
interface GrowFlags {
  config?: string;
  status: boolean;
  manifest?: string;
  dryRun: boolean;
  quiet: boolean;
}

export function registerGrow(program: Command): void {
  program
    .command("grow")
    .description(
      "Grow existing SFT sets to a target size with new questions disjoint from every existing set: plain → rollout → convert → filter (or clean) rounds, then exact merges; resumable from the manifest",
    )
    .option("-c, --config <file>", "grow config (YAML)")
    .option("--status", "print the manifest's progress table and exit", false)
    .option(
      "--manifest <file>",
      "with --status: read this manifest instead of the config's {out}/manifest.json",
    )
    .option("--dry-run", "print the plan (windows per data set × length) and write nothing", false)
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: GrowFlags) => {
      if (o.status) return status(o);
      if (o.config === undefined)
        throw new ConfigError("grow needs --config FILE (or --status --manifest FILE)");
      const config = await loadGrowConfig(o.config);
      if (o.dryRun) {
        const plan = await planGrow(config);
        process.stdout.write(renderPlan(plan));
        const manifest = manifestPathOf(config.out);
        if (await readManifest(manifest))
          process.stdout.write(`manifest "${manifest}" exists: a run resumes from it (see --status)\n`);
        return;
      }
      await withTokenizer({ tokenizer: config.tokenizer, quiet: o.quiet }, async ({ counter, progress }) => {
        const pool = createChatPool({
          baseUrls: config.rollout.baseUrls,
          apiKey: process.env[config.rollout.apiKeyEnv] ?? "EMPTY",
          concurrency: config.rollout.concurrency,
          timeoutMs: config.rollout.timeoutMs,
          maxRetries: config.rollout.retries,
        });
        const result = await withInterrupt((signal) =>
          runGrow(config, { counter, pool, signal, onEvent: reporter(progress) }),
        );
        progress.stop();
        process.stdout.write(renderStatus(result.manifest));
        if (result.failed.length > 0)
          throw new GrowIncompleteError(
            `${result.failed.length} data set × length cell${result.failed.length === 1 ? "" : "s"} did not reach the target (see above); the manifest "${result.manifestPath}" keeps the work done`,
          );
      });
    });
}

async function status(o: GrowFlags): Promise<void> {
  let path = o.manifest;
  if (path === undefined) {
    if (o.config === undefined) throw new ConfigError("grow --status needs --config FILE or --manifest FILE");
    path = manifestPathOf((await loadGrowConfig(o.config)).out);
  }
  const manifest = await readManifest(path);
  if (!manifest) throw new ConfigError(`No grow manifest at "${path}": nothing has run yet`);
  process.stdout.write(renderStatus(manifest));
}

/** Progress lines on stderr: one per stage, a bar for rollouts. */
function reporter(progress: Progress): (e: GrowEvent) => void {
  let rolling = false;
  return (e) => {
    switch (e.type) {
      case "dataset":
        progress.log(
          `${e.dataset}: ${e.questions} questions, key ${e.keyField}, new windows from ${e.start} (next free ${e.cursor})`,
        );
        break;
      case "stage-start":
        if (e.stage === "rollout") rolling = false;
        break;
      case "rollout-progress":
        if (!rolling) progress.start("rollout", e.total);
        rolling = true;
        progress.update(e.done);
        break;
      case "stage-done": {
        if (rolling) progress.stop();
        rolling = false;
        const at = e.stage === "merge" ? "merge" : `round ${e.round} ${e.stage}`;
        progress.log(`[${e.dataset} ${e.length}] ${at}: ${e.count}${e.skipped ? " (done before)" : ""}`);
        break;
      }
      case "cell-done":
        progress.log(
          `[${e.cell.dataset} ${e.cell.length}] ${e.cell.status}${e.cell.error ? `: ${e.cell.error}` : ""}`,
        );
        break;
    }
  };
}
