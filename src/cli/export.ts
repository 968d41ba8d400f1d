import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import {
  EXPORT_VERL_DEFAULTS,
  type ExportVerlOptions,
  type ExportVerlResult,
  exportVerl,
} from "../export/verl.js";
import { type ExportVerlMixOptions, type ExportVerlMixResult, exportVerlMix } from "../export/verl-mix.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { intOption } from "./numbers.js";

interface ExportFlags {
  input: string[];
  mix?: number[];
  total?: number;
  allowShort: boolean;
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
  if (o.input.length > 1)
    throw new ConfigError(
      `${o.input.length} inputs make one set only with --mix: one count per input (--mix 2500,2500), or one weight per input with --total`,
    );
  if (o.total !== undefined || o.allowShort)
    throw new ConfigError("--total and --allow-short apply to a mix: pass --mix");
  const options: ExportVerlOptions = {
    input: o.input[0] as string,
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

/**
 * Turn the flags of a mixed export (`-i A -i B --mix 2500,2500`, or `--mix 1,1 --total 5000`) into library
 * options: the i-th --mix entry belongs to the i-th --input, a count, or with --total a weight.
 */
export function exportVerlMixOptions(o: ExportFlags & { mix: number[] }): ExportVerlMixOptions {
  if (o.mix.length !== o.input.length)
    throw new ConfigError(
      `--mix has ${o.mix.length} entries for ${o.input.length} inputs: give one per --input, in the same order`,
    );
  if (o.startIndex !== D.startIndex || o.endIndex !== D.endIndex)
    throw new ConfigError(
      "--start-index/--end-index choose one file's training slice; with --mix each input trains on its first COUNT rows",
    );
  const key = o.total === undefined ? "count" : "weight";
  const options: ExportVerlMixOptions = {
    sources: o.input.map((input, k) => ({ input, [key]: o.mix[k] })),
    outDir: o.out,
    validSize: o.validSize,
    seed: o.seed,
    withAliases: o.withAliases,
    remeasure: o.remeasure,
    allowShort: o.allowShort,
  };
  if (o.total !== undefined) options.total = o.total;
  if (o.testSize !== undefined) options.testSize = o.testSize;
  if (o.promptVariant !== undefined) options.promptVariant = o.promptVariant;
  if (o.systemPrompt !== undefined) options.systemPrompt = o.systemPrompt;
  if (o.chatTemplate !== undefined) options.chatTemplate = o.chatTemplate;
  return options;
}

/** `--mix 2500,2500`: numbers separated by commas (checked by the library: counts or weights). */
function numberList(flag: string): (value: string) => number[] {
  return (value) =>
    value.split(",").map((part, k) => {
      const n = Number(part);
      if (part.trim() === "" || !Number.isFinite(n))
        throw new ConfigError(`${flag}[${k + 1}]: expected a number, got ${JSON.stringify(part)}`);
      return n;
    });
}

/** The summary of a mixed export: the files, then rows per input and split. */
export function printExportMixSummary(
  r: ExportVerlMixResult,
  out: NodeJS.WritableStream = process.stdout,
  quiet = false,
): void {
  out.write(`mix of ${r.sources.length} inputs, one set (chat template "${r.chatTemplate}")\n`);
  const counts = [r.train, r.test, r.valid];
  r.files.forEach((f, i) => {
    out.write(`  ${f}: ${counts[i]} rows\n`);
  });
  // A block per input rather than a table: paths and data_source names are long, and the counts must stay
  // readable in an 80-column terminal.
  r.sources.forEach((s, k) => {
    out.write(`  ${k + 1}. ${s.input}\n     data_source ${s.dataSource}\n`);
    out.write(`     train ${s.train}, test ${s.test}, valid ${s.valid}, withheld ${s.withheld}\n`);
  });
  for (const s of r.sources) {
    if (s.short)
      out.write(
        `  short: "${s.input}" has ${s.records} records, ${s.asked} asked: all taken (--allow-short)\n`,
      );
    if (s.remeasured > 0)
      out.write(
        `  "${s.input}": re-measured ${s.remeasured} prompts through the chat template; dropped ${s.dropped.length} over budget\n`,
      );
    if (s.renderedPrompts > 0 && !quiet)
      process.stderr.write(
        `  note: ${s.renderedPrompts} records of "${s.input}" have no stored prompt (written before prompts were stored); their prompt was rendered from their fields by the same renderer\n`,
      );
  }
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
      "Write train.parquet, test.parquet and valid.parquet for verl RL training from plain or KeyChain JSONL (splits disjoint by question id); each row's prompt is the record's stored prompt. " +
        "Several inputs with --mix make ONE shuffled set: -i A -i B --mix 2500,2500 trains on the first 2500 rows of each; --mix 1,1 --total 5000 shares 5000 rows by weight",
    )
    .requiredOption(
      "-i, --input <file>",
      "JSONL of plain or KeyChain records (detected from the fields); repeat it with --mix to mix several files",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
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
      "most rows in test (default: min(rows left after train, train rows)); a mix shares it among its inputs",
      intOption("--test-size", 0),
    )
    .option(
      "--valid-size <n>",
      "most rows in valid, drawn from the rows left after test",
      intOption("--valid-size", 0),
      D.validSize,
    )
    .option("--seed <n>", "seed of the valid draw (and of a mix's row order)", intOption("--seed"), D.seed)
    .option(
      "--mix <n,n,…>",
      "one entry per --input, in order: the training rows taken from it (its first N rows), or with --total its weight; the inputs become one set, test and valid sizes shared in the same proportions",
      numberList("--mix"),
    )
    .option("--total <n>", "training rows of the mix, shared by the --mix weights", intOption("--total", 1))
    .option(
      "--allow-short",
      "with --mix: an input with fewer records than its count gives all it has (reported), instead of an error",
      D.allowShort,
    )
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
      "the chat template the trainer applies: auto | none | qwen_orz_boxed | FILE; records measured with another are refused (default: not checked; with --mix, the first input's)",
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
      // Every flag is checked before the tokenizer loads.
      const mixed = o.mix === undefined ? undefined : exportVerlMixOptions({ ...o, mix: o.mix });
      const single = mixed ? undefined : exportVerlOptions(o);
      const counter = o.tokenizer === undefined ? undefined : await resolveTokenizer(o.tokenizer);
      const tokenizer = counter ? { tokenizer: counter } : {};
      try {
        if (mixed) {
          const result = await exportVerlMix({ ...mixed, ...tokenizer });
          if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else printExportMixSummary(result, process.stdout, o.quiet);
        } else if (single) {
          const result = await exportVerl({ ...single, ...tokenizer });
          if (o.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else printExportSummary(result, process.stdout, o.quiet);
        }
      } finally {
        await counter?.close();
      }
    });
}
