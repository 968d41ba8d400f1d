import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import { type ExportVerlOptions, type ExportVerlResult, exportVerl } from "../export/verl.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { intOption } from "./numbers.js";

type Opts = Record<string, unknown>;

function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(`${flag} must be ${allowed.join(" or ")}, got ${JSON.stringify(value)}`);
  };
}

/** Turn parsed `export verl` flags into library options (the tokenizer is added by the action). */
export function exportVerlOptions(o: Opts): ExportVerlOptions {
  const options: ExportVerlOptions = {
    input: o.input as string,
    outDir: o.out as string,
    startIndex: o.startIndex as number,
    endIndex: o.endIndex as number,
    validSize: o.validSize as number,
    seed: o.seed as number,
    withAliases: o.withAliases as boolean,
    remeasure: o.remeasure as boolean,
  };
  if (o.testSize !== undefined) options.testSize = o.testSize as number;
  if (o.promptVariant !== undefined) options.promptVariant = o.promptVariant as KeychainPromptVariant;
  if (o.systemPrompt !== undefined) options.systemPrompt = o.systemPrompt as string;
  if (o.chatTemplate !== undefined) options.chatTemplate = o.chatTemplate as string;
  return options;
}

export function printExportSummary(r: ExportVerlResult, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${r.kind === "keychain" ? "KeyChain" : "plain"} records → data_source ${r.dataSource}\n`);
  const counts = [r.train, r.test, r.valid];
  r.files.forEach((f, i) => {
    out.write(`  ${f}: ${counts[i]} rows\n`);
  });
  if (r.withheld > 0)
    out.write(
      `  withheld ${r.withheld} rows outside the training slice whose question id is also in it (no split gets them)\n`,
    );
  if (r.renderedPrompts > 0)
    out.write(
      `  note: ${r.renderedPrompts} records have no stored prompt (written before prompts were stored); their prompt was rendered from their fields by the same renderer\n`,
    );
  if (r.remeasured > 0)
    out.write(
      `  re-measured ${r.remeasured} prompts through the chat template; dropped ${r.dropped.length} over budget` +
        (r.dropped[0]
          ? ` (first: line ${r.dropped[0].line}, ${r.dropped[0].tokens} tokens > ${r.dropped[0].budget})`
          : "") +
        "\n",
    );
}

/** `keychain-synth export verl`: JSONL → verl RL parquet (train/test/valid). */
export function registerExport(program: Command): void {
  const exp = program.command("export").description("Convert synthesised JSONL into trainer formats");
  exp
    .command("verl")
    .description(
      "Write train.parquet, test.parquet and valid.parquet for verl RL training from plain or KeyChain JSONL (splits disjoint by question id); each row's prompt is the record's stored prompt",
    )
    .requiredOption("-i, --input <file>", "JSONL of plain or KeyChain records (detected from the fields)")
    .requiredOption("-o, --out <dir>", "output folder")
    .option("--start-index <n>", "first row of the training slice", intOption("--start-index", 0), 0)
    .option(
      "--end-index <n>",
      "end of the training slice (exclusive); -1 = all",
      intOption("--end-index", -1),
      -1,
    )
    .option(
      "--test-size <n>",
      "most rows in test (default: min(rows left after train, train rows))",
      intOption("--test-size", 0),
    )
    .option(
      "--valid-size <n>",
      "most rows in valid, drawn from the rows left after test",
      intOption("--valid-size", 0),
      100,
    )
    .option("--seed <n>", "seed of the valid draw", intOption("--seed"), 42)
    .option(
      "--prompt-variant <name>",
      "KeyChain wording the rows must have: default | find-first (default: the records' own)",
      choice("--prompt-variant", ["default", "find-first"] as const),
    )
    .option(
      "--system-prompt <name>",
      "system message the rows must have: none | qwen_orz_boxed | @FILE (default: the records' own)",
    )
    .option(
      "--chat-template <t>",
      "the chat template the trainer applies: auto | none | qwen_orz_boxed | FILE; records measured with another are refused (default: not checked)",
    )
    .option(
      "--remeasure",
      "count prompts that differ from what was measured again through the chat template (with --tokenizer) and drop the rows over budget, instead of refusing",
      false,
    )
    .option("-t, --tokenizer <spec>", "tokenizer for --remeasure and --chat-template auto")
    .option("--with-aliases", "add answer_aliases to reward_model.ground_truth", false)
    .action(async (o: Opts) => {
      const options = exportVerlOptions(o);
      const counter = o.tokenizer === undefined ? undefined : await resolveTokenizer(o.tokenizer as string);
      try {
        printExportSummary(await exportVerl(counter ? { ...options, tokenizer: counter } : options));
      } finally {
        await counter?.close();
      }
    });
}
