import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import {
  EXPORT_VERL_DEFAULTS,
  type ExportVerlOptions,
  type ExportVerlResult,
  exportVerl,
} from "../export/verl.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { intOption } from "./numbers.js";

interface ExportFlags {
  input: string;
  out: string;
  startIndex: number;
  endIndex: number;
  testSize?: number;
  validSize: number;
  seed: number;
  promptVariant?: KeychainPromptVariant;
  systemPrompt?: string;
  chatTemplate?: string;
  remeasure: boolean;
  tokenizer?: string;
  withAliases: boolean;
  quiet: boolean;
  json: boolean;
}

const D = EXPORT_VERL_DEFAULTS;

function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(`${flag} must be ${allowed.join(" or ")}, got ${JSON.stringify(value)}`);
  };
}

/** Turn parsed `export verl` flags into library options (the tokenizer is added by the action). */
export function exportVerlOptions(o: ExportFlags): ExportVerlOptions {
  const options: ExportVerlOptions = {
    input: o.input,
    outDir: o.out,
    startIndex: o.startIndex,
    endIndex: o.endIndex,
    validSize: o.validSize,
    seed: o.seed,
    withAliases: o.withAliases,
    remeasure: o.remeasure,
  };
  if (o.testSize !== undefined) options.testSize = o.testSize;
  if (o.promptVariant !== undefined) options.promptVariant = o.promptVariant;
  if (o.systemPrompt !== undefined) options.systemPrompt = o.systemPrompt;
  if (o.chatTemplate !== undefined) options.chatTemplate = o.chatTemplate;
  return options;
}

export function printExportSummary(
  r: ExportVerlResult,
  out: NodeJS.WritableStream = process.stdout,
  quiet = false,
): void {
  out.write(`${r.kind === "keychain" ? "KeyChain" : "plain"} records → data_source ${r.dataSource}\n`);
  const counts = [r.train, r.test, r.valid];
  r.files.forEach((f, i) => {
    out.write(`  ${f}: ${counts[i]} rows\n`);
  });
  if (r.withheld > 0)
    out.write(
      `  withheld ${r.withheld} rows outside the training slice whose question id is also in it (no split gets them)\n`,
    );
  if (r.renderedPrompts > 0 && !quiet)
    process.stderr.write(
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
    .option(
      "--start-index <n>",
      "first row of the training slice",
      intOption("--start-index", 0),
      D.startIndex,
    )
    .option(
      "--end-index <n>",
      "end of the training slice (exclusive); -1 = all",
      intOption("--end-index", -1),
      D.endIndex,
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
      D.validSize,
    )
    .option("--seed <n>", "seed of the valid draw", intOption("--seed"), D.seed)
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
      D.remeasure,
    )
    .option("-t, --tokenizer <spec>", "tokenizer for --remeasure and --chat-template auto")
    .option("--with-aliases", "add answer_aliases to reward_model.ground_truth", D.withAliases)
    .option("-q, --quiet", "no notes (the summary is still printed)", false)
    .option("--json", "print the summary as JSON", false)
    .action(async (o: ExportFlags) => {
      const options = exportVerlOptions(o);
      const counter = o.tokenizer === undefined ? undefined : await resolveTokenizer(o.tokenizer);
      try {
        const result = await exportVerl(counter ? { ...options, tokenizer: counter } : options);
        if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printExportSummary(result, process.stdout, o.quiet);
      } finally {
        await counter?.close();
      }
    });
}
