import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { SystemPrompt } from "../export/verl-row.js";
import { EXTRACTORS, type Extractor, SCORE_MODES, type ScoreMode } from "../scoring/index.js";
import {
  ROLLOUT_PROMPTS,
  type RolloutPrompt,
  type RolloutSummary,
  runRollout,
  SYSTEM_PROMPTS,
} from "../stages/rollout.js";
import { withChatPool } from "./chat-pool.js";
import { intOption } from "./numbers.js";

type Opts = Record<string, unknown>;

function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new ConfigError(`${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    return value as T;
  };
}

function numberOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new ConfigError(`${flag} expects a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function registerRollout(program: Command): void {
  program
    .command("rollout")
    .description(
      "Sample --n completions per record from OpenAI-compatible servers and score them (sub_em / em / f1); resumable",
    )
    .requiredOption("-i, --input <file>", "JSONL of plain or KeyChain records")
    .requiredOption("-m, --model <name>", "model name sent to the server")
    .requiredOption(
      "--base-url <url...>",
      "server base URL(s), e.g. http://gpu1:8000/v1; several spread the load",
    )
    .option("--api-key <key>", "API key (default: $OPENAI_API_KEY, else EMPTY)")
    .option("--n <n>", "completions per record", intOption("--n", 1), 4)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 0.6)
    .option("--top-p <p>", "nucleus sampling (server default when absent)", numberOption("--top-p"))
    .option("--max-tokens <n>", "tokens per completion", intOption("--max-tokens", 1), 4096)
    .option("--concurrency <n>", "requests in flight over all servers", intOption("--concurrency", 1), 32)
    .option("--timeout-ms <ms>", "per-attempt time limit", intOption("--timeout-ms", 1), 600_000)
    .option("--retries <n>", "retries per request", intOption("--retries", 0), 5)
    .option(
      "--prompt <kind>",
      "plain | answer-is | keychain | auto (KeyChain prompt for KeyChain records)",
      choice("--prompt", ROLLOUT_PROMPTS),
      "auto",
    )
    .option(
      "--system-prompt <name>",
      "none | qwen_orz_boxed",
      choice("--system-prompt", SYSTEM_PROMPTS),
      "none",
    )
    .option(
      "--extractor <name>",
      "thinking | answer-is (default: answer-is with --prompt answer-is, else thinking)",
      choice("--extractor", EXTRACTORS),
    )
    .option("--mode <mode>", "scoring: default | compat", choice("--mode", SCORE_MODES), "default")
    .option("--start-idx <n>", "first record (0-based)", intOption("--start-idx", 0), 0)
    .option("--end-idx <n>", "end record, exclusive; -1 = to the end", intOption("--end-idx", -1), -1)
    .option("-o, --out <dir>", "output folder", "trajectories")
    .option(
      "--azure-api-version <v>",
      "Azure OpenAI: each --base-url is an Azure endpoint, --model the deployment",
    )
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: Opts) => {
      await withChatPool(
        o,
        `rollout ${o.input as string}`,
        (deps) =>
          runRollout(
            {
              input: o.input as string,
              model: o.model as string,
              n: o.n as number,
              temperature: o.temperature as number,
              topP: o.topP as number | undefined,
              maxTokens: o.maxTokens as number,
              prompt: o.prompt as RolloutPrompt,
              systemPrompt: o.systemPrompt as SystemPrompt,
              extractor: o.extractor as Extractor | undefined,
              mode: o.mode as ScoreMode,
              startIdx: o.startIdx as number,
              endIdx: o.endIdx as number,
              out: o.out as string,
            },
            deps,
          ),
        formatRolloutReport,
      );
    });
}

/** The end-of-run report. `httpRequests` counts attempts, retries included. */
export function formatRolloutReport(s: RolloutSummary, httpRequests: number): string {
  const secs = s.ms / 1000;
  const rate = (x: number) => (secs > 0 ? (x / secs).toFixed(1) : "0");
  const pct = s.records > 0 ? ((100 * s.anyCorrect) / s.records).toFixed(1) : "0.0";
  if (s.alreadyComplete)
    return `${s.outputPath}\n  already complete (no journal); nothing sent — delete the file to run again\n  any-correct ${s.anyCorrect}/${s.records} (${pct}%), mean pass rate ${s.meanPassRate.toFixed(4)}\n`;
  return (
    `${s.outputPath}\n` +
    `  records ${s.records} (${s.resumed} resumed from the journal), requests ${s.requests} (${httpRequests} HTTP attempts)\n` +
    `  tokens: prompt ${s.promptTokens}, completion ${s.completionTokens}\n` +
    `  wall ${secs.toFixed(1)} s, ${rate(s.requests)} requests/s, ${rate(s.promptTokens + s.completionTokens)} tokens/s\n` +
    (s.emptyTrajectories > 0 ? `  empty responses (content: null) scored 0: ${s.emptyTrajectories}\n` : "") +
    `  any-correct ${s.anyCorrect}/${s.records} (${pct}%), mean pass rate ${s.meanPassRate.toFixed(4)}\n`
  );
}
