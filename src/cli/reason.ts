import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import type { ReasoningTemplate } from "../prompt/stage-templates.js";
import { REASONING_TEMPLATE_NAMES, type ReasonSummary, runReason } from "../stages/reason.js";
import { addServerOptions, type ServerFlags, withChatPool } from "./chat-pool.js";
import { choiceOption, intOption, numberOption } from "./numbers.js";
import { hiddenAlias } from "./synthesis.js";

interface ReasonFlags extends ServerFlags {
  input: string;
  out: string;
  template: ReasoningTemplate;
  numSequences: number;
  temperature: number;
}

export function registerReason(program: Command): void {
  const cmd = program
    .command("reason")
    .description(
      "Ask a model for reasoning traces (templates basic | normal | cot | cot-cite | mcts); input order kept, failures recorded, resumable",
    )
    .requiredOption("-i, --input <file>", "JSONL of records with input, context, answers (optional index)")
    .option("-o, --out <file>", "JSONL written in input order (required)")
    .addOption(hiddenAlias("--output <file>"))
    .option(
      "--template <name>",
      REASONING_TEMPLATE_NAMES.join(" | "),
      choiceOption("--template", REASONING_TEMPLATE_NAMES),
      "basic" as ReasoningTemplate,
    )
    .option("--num-sequences <n>", "completions per record (n)", intOption("--num-sequences", 1), 1)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 0);
  addServerOptions(cmd, { concurrency: 16 }).action(async (o: ReasonFlags & { output?: string }) => {
    const out = o.out ?? o.output;
    if (out === undefined) throw new ConfigError("reason needs --out FILE");
    await withChatPool(
      o,
      `reason ${o.input}`,
      (deps) =>
        runReason(
          {
            input: o.input,
            output: out,
            model: o.model,
            template: o.template,
            numSequences: o.numSequences,
            temperature: o.temperature,
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
