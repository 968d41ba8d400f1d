import { join } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, KeychainError } from "../errors.js";
import {
  type BadLine,
  type CleanSummary,
  type ConvertSummary,
  cleanOutputPath,
  cleanTraces,
  convertOutputPath,
  convertToSwift,
  DEFAULT_SUMMARY_KEYWORDS,
  datasetOf,
  type ExtractSummariesSummary,
  extractSummaries,
  filterSwift,
  type LengthStats,
  ROW_SCHEMAS,
  type RowSchemaName,
  resolveConvertOptions,
  resolveRowModel,
  type ValidateFileResult,
  validateSwiftFile,
} from "../sft/index.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { choiceOption, intOption } from "./numbers.js";
import { withTokenizer } from "./synthesis.js";

type Opts = Record<string, unknown>;

/** Exit 1 after everything was written and reported: some input lines could not be used. */
class BadLinesError extends KeychainError {
  override name = "BadLinesError";
}

export function registerSft(program: Command): void {
  const sft = program
    .command("sft")
    .description(
      "SFT data (ms-swift rows) from rollout files: convert, filter, clean, validate, ChatQA2 summaries",
    );

  addRowOptions(
    sft
      .command("convert")
      .description("Rollout files → one SFT row per trajectory ({prefix}-{tag}-swift.jsonl)")
      .argument("<inputs...>", "rollout output files ({out}/{dataset}/{stem}-{model}.jsonl)")
      .option("--no-skip-empty", "keep trajectories whose text is empty or whitespace"),
  ).action((inputs: string[], o: Opts) =>
    eachRolloutInput(inputs, o, convertOutputPath, async (base) => {
      const s = await convertToSwift({ ...base, skipEmpty: o.skipEmpty as boolean });
      process.stdout.write(formatConvert(base.input, s));
      return s.badLines;
    }),
  );

  sft
    .command("filter")
    .description(
      "Keep the best row per question (sub_em = 1, highest f1, first on ties) → {stem}-filtered.jsonl",
    )
    .argument("<inputs...>", "converted files (…-swift.jsonl)")
    .option("-o, --out-dir <dir>", "output folder (default: each input's folder)")
    .action(async (inputs: string[], o: Opts) => {
      for (const input of inputs) {
        const s = await filterSwift({
          input,
          ...(o.outDir === undefined ? {} : { outDir: o.outDir as string }),
        });
        process.stdout.write(
          `${input}: ${s.questions} questions, ${s.kept} kept, ${s.dropped} dropped (no correct row) → ${s.outputPath}\n`,
        );
      }
    });

  addRowOptions(
    sft
      .command("clean")
      .description(
        "Rollout files → the best trajectory per question as <think>…</think>answer ({prefix}-{tag}-cleaned.jsonl)",
      )
      .argument("<inputs...>", "rollout output files")
      .option("--keep-boxed", "keep the answer as \\boxed{…} (what RL rewards parse)", false),
  ).action((inputs: string[], o: Opts) =>
    eachRolloutInput(inputs, o, cleanOutputPath, async (base) => {
      const s = await cleanTraces({ ...base, keepBoxed: o.keepBoxed as boolean });
      process.stdout.write(formatClean(base.input, s));
      for (const n of s.skippedNoThink)
        process.stderr.write(
          `${base.input}:${n.line}: source_index ${n.source_index}: correct trajectory ${n.trajectory} has no </think>; passed over\n`,
        );
      return s.badLines;
    }),
  );

  sft
    .command("validate")
    .description("Check SFT files: the original's rules, then a schema of every field; token length summary")
    .argument("<files...>", "SFT JSONL files")
    .option(
      "--schema <name>",
      "swift (every SwiftRow field) | messages (the conversation only)",
      choiceOption("--schema", ROW_SCHEMAS),
      "swift",
    )
    .option(
      "--max-errors <n>",
      "print at most N errors per file (all are counted)",
      intOption("--max-errors", 0),
      50,
    )
    .option(
      "-t, --tokenizer <spec>",
      "qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL",
      "qwen3",
    )
    .option("--no-tokens", "skip the token length summary (no tokenizer loaded)")
    .option("-q, --quiet", "no progress output", false)
    .action(async (files: string[], o: Opts) => {
      const results: ValidateFileResult[] = [];
      const check = async (counter?: TokenCounter) => {
        for (const file of files) {
          const r = await validateSwiftFile(file, {
            schema: o.schema as RowSchemaName,
            maxErrors: o.maxErrors as number,
            ...(counter === undefined ? {} : { counter }),
          });
          process.stdout.write(formatValidate(r));
          results.push(r);
        }
      };
      if (o.tokens === false) await check();
      else await withTokenizer(tokenizerFlags(o), (deps) => check(deps.counter));
      const bad = results.filter((r) => r.errorCount > 0);
      if (bad.length > 0)
        throw new BadLinesError(`${bad.length} of ${results.length} files failed validation`);
    });

  sft
    .command("extract-summaries")
    .description("Summarisation SFT rows from a local copy of nvidia/ChatQA2-Long-SFT-data (long_sft)")
    .requiredOption("-i, --input <file>", "the long_sft split: parquet, JSON array or JSON Lines")
    .option("-o, --out-dir <dir>", "output folder", "sft_data")
    .option("--split <name>", "split name, used in the output name long_sft_{split}_summary.jsonl", "train")
    .option(
      "--keywords <phrase>",
      `summary request phrase, repeatable (default: ${DEFAULT_SUMMARY_KEYWORDS.map((k) => JSON.stringify(k)).join(", ")})`,
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      "--keyword-tail <n>",
      "characters at the end of the question searched for a keyword",
      intOption("--keyword-tail", 0),
      300,
    )
    .option(
      "--min-input-tokens <n>",
      "keep rows whose user message has at least N tokens",
      intOption("--min-input-tokens", 0),
      4096,
    )
    .option(
      "--min-output-tokens <n>",
      "keep rows whose answer has at least N tokens",
      intOption("--min-output-tokens", 0),
      20,
    )
    .option("--question-field <name>", "column with the prompt", "question")
    .option("--answer-field <name>", "column with the answer (string, or list: first item)", "answers")
    .option(
      "-t, --tokenizer <spec>",
      "qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL",
      "qwen3",
    )
    .option("--allow-bad-lines", "exit 0 even when some rows could not be read", false)
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: Opts) => {
      let summary: ExtractSummariesSummary | undefined;
      await withTokenizer(tokenizerFlags(o), async ({ counter }) => {
        summary = await extractSummaries(
          {
            input: o.input as string,
            outDir: o.outDir as string,
            split: o.split as string,
            ...(o.keywords === undefined ? {} : { keywords: o.keywords as string[] }),
            keywordTail: o.keywordTail as number,
            minInputTokens: o.minInputTokens as number,
            minOutputTokens: o.minOutputTokens as number,
            questionField: o.questionField as string,
            answerField: o.answerField as string,
          },
          { counter },
        );
      });
      if (summary === undefined) return;
      process.stdout.write(formatSummaries(o, summary));
      if (reportBadLines(o.input as string, summary.badRows)) failIfBad([o.input as string], o);
    });
}

/** The flags withTokenizer reads. */
function tokenizerFlags(o: Opts): { tokenizer: string; quiet: boolean } {
  return { tokenizer: o.tokenizer as string, quiet: o.quiet as boolean };
}

/** Options shared by convert and clean. */
function addRowOptions(cmd: Command): Command {
  return cmd
    .option("-o, --out-dir <dir>", "output folder", "sft_data")
    .option(
      "--by-dataset",
      "write into {out-dir}/{dataset}/ (the input's folder name), as run_convert.sh did",
      false,
    )
    .option(
      "--model-tag <tag>",
      'written as each row\'s model and into the output name (default: the model the rollout file records, "/" → "_" in the name)',
    )
    .addOption(new Option("--prompt <kind>").hideHelp())
    .addOption(new Option("--system <text>").hideHelp())
    .addOption(new Option("--system-prompt <name>").hideHelp())
    .option("--allow-bad-lines", "exit 0 even when some input lines could not be used", false);
}

function rowOptions(o: Opts): { modelTag?: string } {
  for (const flag of ["prompt", "system", "systemPrompt"] as const)
    if (o[flag] !== undefined)
      throw new ConfigError(
        `--${flag === "systemPrompt" ? "system-prompt" : flag} is no longer needed: each row holds the prompt stored in the rollout file (the one the record was measured and rolled out with); set the system message when building the records (--system-prompt of plain/keychain)`,
      );
  return o.modelTag === undefined ? {} : { modelTag: o.modelTag as string };
}

/** What convert and clean share per input: the input, its output folder and the row options. */
type RowInput = ReturnType<typeof rowOptions> & { input: string; outDir: string };

/**
 * The convert/clean loop: check that no two inputs share an output path, run `convertOne` on each input in
 * turn (it prints its summary and returns the bad lines), print the bad lines, and fail at the end if any.
 */
async function eachRolloutInput(
  inputs: readonly string[],
  o: Opts,
  outputPathOf: (base: TaggedRowInput) => string,
  convertOne: (base: RowInput) => Promise<readonly BadLine[]>,
): Promise<void> {
  const rows = rowOptions(o);
  const bases = inputs.map((input) => ({ input, outDir: outDirFor(input, o), ...rows }));
  await checkDistinct(bases, outputPathOf);
  const failed: string[] = [];
  for (const base of bases) if (reportBadLines(base.input, await convertOne(base))) failed.push(base.input);
  failIfBad(failed, o);
}

function outDirFor(input: string, o: Opts): string {
  return o.byDataset === true ? join(o.outDir as string, datasetOf(input)) : (o.outDir as string);
}

/** A row input with its model tag resolved (the output name needs one). */
type TaggedRowInput = RowInput & { modelTag: string };

/**
 * Two inputs must not write the same output file (e.g. same stem from two data sets without --by-dataset).
 * Without --model-tag, the tag in the output name is each input's recorded model, read from the file.
 */
async function checkDistinct(
  bases: readonly RowInput[],
  pathOf: (base: TaggedRowInput) => string,
): Promise<void> {
  const seen = new Map<string, string>();
  for (const base of bases) {
    const { input } = base;
    const { tag } = await resolveRowModel(resolveConvertOptions(base));
    const path = pathOf({ ...base, modelTag: tag });
    const other = seen.get(path);
    if (other !== undefined)
      throw new ConfigError(
        `"${other}" and "${input}" would both be written to "${path}"; pass --by-dataset or convert them one at a time into different --out-dir folders`,
      );
    seen.set(path, input);
  }
}

/** Print bad lines to stderr as `file:line: field "x": reason`; true when there were some. */
function reportBadLines(file: string, bad: readonly BadLine[]): boolean {
  for (const b of bad)
    process.stderr.write(
      `${file}:${b.line}: ${b.field === undefined ? "" : `field "${b.field}": `}${b.reason}\n`,
    );
  return bad.length > 0;
}

function failIfBad(files: readonly string[], o: Opts): void {
  if (files.length === 0 || o.allowBadLines === true) return;
  throw new BadLinesError(
    `${files.length === 1 ? `"${files[0]}" has` : `${files.length} files have`} lines that could not be used (listed above; the rest was written). Fix them or pass --allow-bad-lines.`,
  );
}

function formatConvert(input: string, s: ConvertSummary): string {
  const bad = s.badLines.length > 0 ? `, ${s.badLines.length} bad lines` : "";
  return `${input}: ${s.records} records → ${s.rows} rows (${s.skippedEmpty} empty trajectories skipped${bad}) → ${s.outputPath}\n`;
}

function formatClean(input: string, s: CleanSummary): string {
  const bad = s.badLines.length > 0 ? `, ${s.badLines.length} bad lines` : "";
  return `${input}: ${s.records} records → ${s.kept} rows (${s.droppedNoCorrect} without a correct trajectory, ${s.droppedNoThink} whose correct trajectories all lack </think>${bad}) → ${s.outputPath}\n`;
}

function formatValidate(r: ValidateFileResult): string {
  const lines = r.errors.map((e) => `${r.file}:${e.line}: ${e.message}`);
  if (r.errorCount > r.errors.length) lines.push(`… ${r.errorCount - r.errors.length} more errors not shown`);
  lines.push(
    `${r.file}: ${r.rows} rows, ${r.errorCount === 0 ? "valid" : `${r.badRows} invalid (${r.errorCount} errors)`}`,
  );
  if (r.tokens !== undefined) {
    const row = (name: string, s: LengthStats) =>
      `  ${name.padEnd(12)} ${[s.min, Math.round(s.mean), s.p50, s.p95, s.max].map((n) => String(n).padStart(8)).join("")}`;
    lines.push(
      `  ${"tokens".padEnd(12)} ${["min", "mean", "p50", "p95", "max"].map((h) => h.padStart(8)).join("")}`,
    );
    lines.push(row("conversation", r.tokens.conversation), row("assistant", r.tokens.assistant));
  }
  return `${lines.join("\n")}\n`;
}

function formatSummaries(o: Opts, s: ExtractSummariesSummary): string {
  const bad = s.badRows.length > 0 ? ` (${s.badRows.length} could not be read)` : "";
  return [
    `rows read                          ${s.read}${bad}`,
    `with a summary keyword             ${s.afterKeywords}`,
    `non-empty after cleaning           ${s.afterCleaning}`,
    `≥ ${o.minInputTokens as number} input tokens`.padEnd(35) + String(s.afterInputTokens),
    `≥ ${o.minOutputTokens as number} output tokens`.padEnd(35) + String(s.afterOutputTokens),
    `→ ${s.outputPath}`,
    "",
  ].join("\n");
}
