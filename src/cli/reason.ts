import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { ReasoningTemplate } from "../prompt/stage-templates.js";
import { REASONING_TEMPLATE_NAMES, type ReasonSummary, runReason } from "../stages/reason.js";
import { withChatPool } from "./chat-pool.js";
import { intOption } from "./numbers.js";

type Opts = Record<string, unknown>;

function templateOption(value: string): ReasoningTemplate {
  if (!(REASONING_TEMPLATE_NAMES as readonly string[]).includes(value))
    throw new ConfigError(
      `--template must be one of ${REASONING_TEMPLATE_NAMES.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return value as ReasoningTemplate;
}

function numberOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new ConfigError(`${flag} expects a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function registerReason(program: Command): void {
  program
    .command("reason")
    .description(
      "Ask a model for reasoning traces (templates basic | normal | cot | cot-cite | mcts); input order kept, failures recorded, resumable",
    )
    .requiredOption("-i, --input <file>", "JSONL of records with input, context, answers (optional index)")
    .requiredOption("-o, --output <file>", "JSONL written in input order")
    .requiredOption("-m, --model <name>", "model (or Azure deployment) name sent to the server")
    .requiredOption(
      "--base-url <url...>",
      "server base URL(s), e.g. http://gpu1:8000/v1; several spread the load",
    )
    .option("--api-key <key>", "API key (default: $OPENAI_API_KEY, else EMPTY)")
    .option(
      "--template <name>",
      REASONING_TEMPLATE_NAMES.join(" | "),
      templateOption,
      "basic" as ReasoningTemplate,
    )
    .option("--num-sequences <n>", "completions per record (n)", intOption("--num-sequences", 1), 1)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 0)
    .option("--concurrency <n>", "requests in flight over all servers", intOption("--concurrency", 1), 16)
    .option("--timeout-ms <ms>", "per-attempt time limit", intOption("--timeout-ms", 1), 600_000)
    .option("--retries <n>", "retries per request", intOption("--retries", 0), 5)
    .option(
      "--azure-api-version <v>",
      "Azure OpenAI: each --base-url is an Azure endpoint, --model the deployment",
    )
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: Opts) => {
      await withChatPool(
        o,
        `reason ${o.input as string}`,
        (deps) =>
          runReason(
            {
              input: o.input as string,
              output: o.output as string,
              model: o.model as string,
              template: o.template as ReasoningTemplate,
              numSequences: o.numSequences as number,
              temperature: o.temperature as number,
            },
            deps,
          ),
        formatReasonReport,
      );
    });
}

/** The end-of-run report. `httpRequests` counts attempts, retries included. */
export function formatReasonReport(s: ReasonSummary, httpRequests: number): string {
  const secs = s.ms / 1000;
  const failed =
    s.failures > 0
      ? `  FAILURES ${s.failures}: rows with "reasonings": [] and an "error"; delete the output and rerun to retry them\n`
      : "  failures 0\n";
  if (s.alreadyComplete)
    return `${s.outputPath}\n  already complete (no journal); nothing sent — delete the file to run again\n  rows ${s.rows}\n${failed}`;
  return (
    `${s.outputPath}\n` +
    `  rows ${s.rows} (${s.resumed} resumed from the journal), requests ${s.requests} (${httpRequests} HTTP attempts)\n` +
    failed +
    `  null contents dropped: ${s.nullContents}\n` +
    `  tokens: prompt ${s.promptTokens}, completion ${s.completionTokens}; wall ${secs.toFixed(1)} s\n`
  );
}
