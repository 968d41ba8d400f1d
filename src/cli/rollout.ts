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
import { ROLLOUT_DEFAULTS } from "../stages/rollout-defaults.js";
import { addServerOptions, type ServerFlags, withChatPool } from "./chat-pool.js";
import { choiceOption, intOption, numberOption } from "./numbers.js";
import { hiddenAlias } from "./synthesis.js";

/** The prompt and scoring flags (`rollout`, `filter again`). */
export interface PromptFlags {
  prompt: RolloutPrompt;
  systemPrompt?: SystemPrompt;
  extractor?: Extractor;
  mode: ScoreMode;
}

interface RolloutFlags extends ServerFlags, PromptFlags {
  input: string;
  n: number;
  temperature: number;
  topP?: number;
  maxTokens: number;
  startIndex: number;
  endIndex: number;
  /** Old spellings of --start-index / --end-index. */
  startIdx?: number;
  endIdx?: number;
  out: string;
}

const D = ROLLOUT_DEFAULTS;

export function registerRollout(program: Command): void {
  const cmd = program
    .command("rollout")
    .description(
      "Sample --n completions per record from OpenAI-compatible servers and score them (sub_em / em / f1); resumable",
    )
    .requiredOption("-i, --input <file>", "JSONL of plain or KeyChain records")
    .option("--n <n>", "completions per record", intOption("--n", 1), D.n)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), D.temperature)
    .option("--top-p <p>", "nucleus sampling (server default when absent)", numberOption("--top-p"))
    .option("--max-tokens <n>", "tokens per completion", intOption("--max-tokens", 1), D.maxTokens);
  addPromptOptions(cmd)
    .option("--start-index <n>", "first record (0-based)", intOption("--start-index", 0), D.startIndex)
    .option(
      "--end-index <n>",
      "end record, exclusive; -1 = to the end",
      intOption("--end-index", -1),
      D.endIndex,
    )
    .addOption(hiddenAlias("--start-idx <n>", intOption("--start-idx", 0)))
    .addOption(hiddenAlias("--end-idx <n>", intOption("--end-idx", -1)))
    .option("-o, --out <dir>", "output folder", D.out);
  addServerOptions(cmd, { concurrency: 32 }).action(async (o: RolloutFlags) => {
    await withChatPool(
      o,
      `rollout ${o.input}`,
      (deps) =>
        runRollout(
          {
            input: o.input,
            model: o.model,
            n: o.n,
            temperature: o.temperature,
            topP: o.topP,
            maxTokens: o.maxTokens,
            prompt: o.prompt,
            systemPrompt: o.systemPrompt,
            extractor: o.extractor,
            mode: o.mode,
            startIndex: o.startIdx ?? o.startIndex,
            endIndex: o.endIdx ?? o.endIndex,
            out: o.out,
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
      "stored (each record's stored prompt, the one it is trained on) | answer-is (the non-thinking API prompt; plain records)",
      choiceOption("--prompt", ROLLOUT_PROMPTS),
      D.prompt,
    )
    .option(
      "--system-prompt <name>",
      "replace the records' system message: none | qwen_orz_boxed (default: the records' own)",
      choiceOption("--system-prompt", SYSTEM_PROMPTS),
    )
    .option(
      "--extractor <name>",
      "thinking | answer-is (default: answer-is with --prompt answer-is, else thinking)",
      choiceOption("--extractor", EXTRACTORS),
    )
    .option("--mode <mode>", "scoring: default | compat", choiceOption("--mode", SCORE_MODES), D.mode);
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
