import type { Command } from "commander";
import type { SystemPrompt } from "../prompt/messages.js";
import { EXTRACTORS, type Extractor, SCORE_MODES, type ScoreMode } from "../scoring/index.js";
import {
  ROLLOUT_PROMPTS,
  type RolloutPrompt,
  type RolloutSummary,
  runRollout,
  SYSTEM_PROMPTS,
} from "../stages/rollout.js";
import { addServerOptions, withChatPool } from "./chat-pool.js";
import { choiceOption, intOption, numberOption } from "./numbers.js";

type Opts = Record<string, unknown>;

export function registerRollout(program: Command): void {
  const cmd = program
    .command("rollout")
    .description(
      "Sample --n completions per record from OpenAI-compatible servers and score them (sub_em / em / f1); resumable",
    )
    .requiredOption("-i, --input <file>", "JSONL of plain or KeyChain records")
    .option("--n <n>", "completions per record", intOption("--n", 1), 4)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 0.6)
    .option("--top-p <p>", "nucleus sampling (server default when absent)", numberOption("--top-p"))
    .option("--max-tokens <n>", "tokens per completion", intOption("--max-tokens", 1), 4096);
  addPromptOptions(cmd)
    .option("--start-idx <n>", "first record (0-based)", intOption("--start-idx", 0), 0)
    .option("--end-idx <n>", "end record, exclusive; -1 = to the end", intOption("--end-idx", -1), -1)
    .option("-o, --out <dir>", "output folder", "trajectories");
  addServerOptions(cmd, { concurrency: 32 }).action(async (o: Opts) => {
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

/** The prompt and scoring flags of a rollout (`rollout`, `filter again`): --prompt, --system-prompt, --extractor, --mode. */
export function addPromptOptions(cmd: Command): Command {
  return cmd
    .option(
      "--prompt <kind>",
      "plain | answer-is | keychain | auto (KeyChain prompt for KeyChain records)",
      choiceOption("--prompt", ROLLOUT_PROMPTS),
      "auto",
    )
    .option(
      "--system-prompt <name>",
      "none | qwen_orz_boxed",
      choiceOption("--system-prompt", SYSTEM_PROMPTS),
      "none",
    )
    .option(
      "--extractor <name>",
      "thinking | answer-is (default: answer-is with --prompt answer-is, else thinking)",
      choiceOption("--extractor", EXTRACTORS),
    )
    .option("--mode <mode>", "scoring: default | compat", choiceOption("--mode", SCORE_MODES), "default");
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
    (s.extraRequests > 0
      ? `  asked again for missing choices: ${s.extraRequests} requests (the server returned fewer than --n)\n`
      : "") +
    (s.emptyTrajectories > 0 ? `  empty responses (content: null) scored 0: ${s.emptyTrajectories}\n` : "") +
    `  any-correct ${s.anyCorrect}/${s.records} (${pct}%), mean pass rate ${s.meanPassRate.toFixed(4)}\n`
  );
}
