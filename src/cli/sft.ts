import { join } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, KeychainError } from "../errors.js";
import { EXTRACT_SUMMARIES_DEFAULTS } from "../sft/chatqa2.js";
import { CLEAN_DEFAULTS } from "../sft/clean.js";
import {
  type BadLine,
  type CleanSummary,
  type ConvertSummary,
  cleanOutputPath,
  cleanTraces,
  convertOutputPath,
  convertToSwift,
  datasetOf,
  type ExtractSummariesSummary,
  extractSummaries,
  type FilterSwiftSummary,
  filterSwift,
  type LengthStats,
  ROW_SCHEMAS,
  type RowSchemaName,
  resolveConvertOptions,
  resolveRowModel,
  type ValidateFileResult,
  validateSwiftFile,
} from "../sft/index.js";
import { VALIDATE_FILE_DEFAULTS } from "../sft/validate-file.js";
import { DEFAULT_TOKENIZER_SPEC } from "../tokenizer/resolve.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { choiceOption, intOption } from "./numbers.js";
import { hiddenAlias, printJson, withTokenizer } from "./synthesis.js";

/** The folder convert, clean and extract-summaries write into by default. */
const SFT_OUT = "sft_data";

/** `--out` and its old spelling `--out-dir`, which wins when given (as before). */
interface OutFlags {
  out: string;
  /** The old spelling of --out. */
  outDir?: string;
}

/** `-q/--quiet` and `--json`, on every sft command. */
interface QuietJsonFlags {
  quiet: boolean;
  json: boolean;
}

/** The flags convert and clean share ({@link addRowOptions}). */
interface RowFlags extends OutFlags, QuietJsonFlags {
  byDataset: boolean;
  modelTag?: string;
  /** Removed flags, kept hidden to say so. */
  prompt?: string;
  system?: string;
  systemPrompt?: string;
  allowBadLines: boolean;
}

interface ConvertFlags extends RowFlags {
  skipEmpty: boolean;
}

interface CleanFlags extends RowFlags {
  keepBoxed: boolean;
}

interface FilterFlags extends QuietJsonFlags {
  /** No default: each input's folder. */
  out?: string;
  /** The old spelling of --out. */
  outDir?: string;
}

interface ValidateFlags extends QuietJsonFlags {
  schema: RowSchemaName;
  maxErrors: number;
  tokenizer: string;
  /** false with --no-tokens. */
  tokens: boolean;
}

interface ExtractSummariesFlags extends OutFlags, QuietJsonFlags {
  input: string;
  split: string;
  keywords?: string[];
  keywordTail: number;
  minInputTokens: number;
  minOutputTokens: number;
  questionField: string;
  answerField: string;
  tokenizer: string;
  allowBadLines: boolean;
}

/** Exit 1 after everything was written and reported: some input lines could not be used. */
class BadLinesError extends KeychainError {
  override name = "BadLinesError";
}

const TOKENIZER_HELP =
  "qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL";

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
  ).action((inputs: string[], o: ConvertFlags) =>
    eachRolloutInput(inputs, o, convertOutputPath, async (base) => {
      const s = await convertToSwift({ ...base, skipEmpty: o.skipEmpty });
      if (!o.json) process.stdout.write(formatConvert(base.input, s));
      return s;
    }),
  );

  addQuietJsonOptions(
    sft
      .command("filter")
      .description(
        "Keep the best row per question (sub_em = 1, highest f1, first on ties) → {stem}-filtered.jsonl",
      )
      .argument("<inputs...>", "converted files (…-swift.jsonl)")
      .option("-o, --out <dir>", "output folder (default: each input's folder)")
      .addOption(hiddenAlias("--out-dir <dir>")),
  ).action(async (inputs: string[], o: FilterFlags) => {
    const outDir = o.outDir ?? o.out;
    const files: (FilterSwiftSummary & { input: string })[] = [];
    for (const input of inputs) {
      const s = await filterSwift({ input, ...(outDir === undefined ? {} : { outDir }) });
      if (!o.json)
        process.stdout.write(
          `${input}: ${s.questions} questions, ${s.kept} kept, ${s.dropped} dropped (no correct row) → ${s.outputPath}\n`,
        );
      files.push({ input, ...s });
    }
    if (o.json) printJson({ files });
  });

  addRowOptions(
    sft
      .command("clean")
      .description(
        "Rollout files → the best trajectory per question as <think>…</think>answer ({prefix}-{tag}-cleaned.jsonl)",
      )
      .argument("<inputs...>", "rollout output files")
      .option(
        "--keep-boxed",
        "keep the answer as \\boxed{…} (what RL rewards parse)",
        CLEAN_DEFAULTS.keepBoxed,
      ),
  ).action((inputs: string[], o: CleanFlags) =>
    eachRolloutInput(inputs, o, cleanOutputPath, async (base) => {
      const s = await cleanTraces({ ...base, keepBoxed: o.keepBoxed });
      if (!o.json) process.stdout.write(formatClean(base.input, s));
      if (!o.quiet)
        for (const n of s.skippedNoThink)
          process.stderr.write(
            `${base.input}:${n.line}: source_index ${n.source_index}: correct trajectory ${n.trajectory} has no </think>; passed over\n`,
          );
      return s;
    }),
  );

  addQuietJsonOptions(
    sft
      .command("validate")
      .description(
        "Check SFT files: the original's rules, then a schema of every field; token length summary",
      )
      .argument("<files...>", "SFT JSONL files")
      .option(
        "--schema <name>",
        "swift (every SwiftRow field) | messages (the conversation only)",
        choiceOption("--schema", ROW_SCHEMAS),
        VALIDATE_FILE_DEFAULTS.schema,
      )
      .option(
        "--max-errors <n>",
        "print at most N errors per file (all are counted)",
        intOption("--max-errors", 0),
        50,
      )
      .option("-t, --tokenizer <spec>", TOKENIZER_HELP, DEFAULT_TOKENIZER_SPEC)
      .option("--no-tokens", "skip the token length summary (no tokenizer loaded)"),
  ).action(async (files: string[], o: ValidateFlags) => {
    const results: ValidateFileResult[] = [];
    const check = async (counter?: TokenCounter) => {
      for (const file of files) {
        const r = await validateSwiftFile(file, {
          schema: o.schema,
          maxErrors: o.maxErrors,
          ...(counter === undefined ? {} : { counter }),
        });
        if (!o.json) process.stdout.write(formatValidate(r));
        results.push(r);
      }
    };
    if (!o.tokens) await check();
    else await withTokenizer(o, (deps) => check(deps.counter));
    if (o.json) printJson({ files: results });
    const bad = results.filter((r) => r.errorCount > 0);
    if (bad.length > 0) throw new BadLinesError(`${bad.length} of ${results.length} files failed validation`);
  });

  const E = EXTRACT_SUMMARIES_DEFAULTS;
  addQuietJsonOptions(
    sft
      .command("extract-summaries")
      .description("Summarisation SFT rows from a local copy of nvidia/ChatQA2-Long-SFT-data (long_sft)")
      .requiredOption("-i, --input <file>", "the long_sft split: parquet, JSON array or JSON Lines")
      .option("-o, --out <dir>", "output folder", SFT_OUT)
      .addOption(hiddenAlias("--out-dir <dir>"))
      .option("--split <name>", "split name, used in the output name long_sft_{split}_summary.jsonl", E.split)
      .option(
        "--keywords <phrase>",
        `summary request phrase, repeatable (default: ${E.keywords.map((k) => JSON.stringify(k)).join(", ")})`,
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      )
      .option(
        "--keyword-tail <n>",
        "characters at the end of the question searched for a keyword",
        intOption("--keyword-tail", 0),
        E.keywordTail,
      )
      .option(
        "--min-input-tokens <n>",
        "keep rows whose user message has at least N tokens",
        intOption("--min-input-tokens", 0),
        E.minInputTokens,
      )
      .option(
        "--min-output-tokens <n>",
        "keep rows whose answer has at least N tokens",
        intOption("--min-output-tokens", 0),
        E.minOutputTokens,
      )
      .option("--question-field <name>", "column with the prompt", E.questionField)
      .option("--answer-field <name>", "column with the answer (string, or list: first item)", E.answerField)
      .option("-t, --tokenizer <spec>", TOKENIZER_HELP, DEFAULT_TOKENIZER_SPEC)
      .option("--allow-bad-lines", "exit 0 even when some rows could not be read", false),
  ).action(async (o: ExtractSummariesFlags) => {
    const summary = await withTokenizer(o, ({ counter }) =>
      extractSummaries(
        {
          input: o.input,
          outDir: o.outDir ?? o.out,
          split: o.split,
          ...(o.keywords === undefined ? {} : { keywords: o.keywords }),
          keywordTail: o.keywordTail,
          minInputTokens: o.minInputTokens,
          minOutputTokens: o.minOutputTokens,
          questionField: o.questionField,
          answerField: o.answerField,
        },
        { counter },
      ),
    );
    if (o.json) printJson(summary);
    else process.stdout.write(formatSummaries(o, summary));
    if (reportBadLines(o.input, summary.badRows)) failIfBad([o.input], o);
  });
}

/** `-q/--quiet` and `--json`: stderr keeps only errors (bad lines among them); the summary as JSON. */
function addQuietJsonOptions(cmd: Command): Command {
  return cmd
    .option("-q, --quiet", "no progress or notes on stderr (bad lines and errors are still printed)", false)
    .option("--json", "print the summary as JSON", false);
}

/** Options shared by convert and clean. */
function addRowOptions(cmd: Command): Command {
  return addQuietJsonOptions(
    cmd
      .option("-o, --out <dir>", "output folder", SFT_OUT)
      .addOption(hiddenAlias("--out-dir <dir>"))
      .option(
        "--by-dataset",
        "write into {out}/{dataset}/ (the input's folder name), as run_convert.sh did",
        false,
      )
      .option(
        "--model-tag <tag>",
        'written as each row\'s model and into the output name (default: the model the rollout file records, "/" → "_" in the name)',
      )
      .addOption(new Option("--prompt <kind>").hideHelp())
      .addOption(new Option("--system <text>").hideHelp())
      .addOption(new Option("--system-prompt <name>").hideHelp())
      .option("--allow-bad-lines", "exit 0 even when some input lines could not be used", false),
  );
}

function rowOptions(o: RowFlags): { modelTag?: string } {
  for (const flag of ["prompt", "system", "systemPrompt"] as const)
    if (o[flag] !== undefined)
      throw new ConfigError(
        `--${flag === "systemPrompt" ? "system-prompt" : flag} is no longer needed: each row holds the prompt stored in the rollout file (the one the record was measured and rolled out with); set the system message when building the records (--system-prompt of plain/keychain)`,
      );
  return o.modelTag === undefined ? {} : { modelTag: o.modelTag };
}

/** What convert and clean share per input: the input, its output folder and the row options. */
type RowInput = ReturnType<typeof rowOptions> & { input: string; outDir: string };

/**
 * The convert/clean loop: check that no two inputs share an output path, run `convertOne` on each input in
 * turn (it prints its summary unless --json and returns it), print the bad lines, print the summaries as JSON
 * with --json, and fail at the end if there were bad lines.
 */
async function eachRolloutInput<S extends { badLines: readonly BadLine[] }>(
  inputs: readonly string[],
  o: RowFlags,
  outputPathOf: (base: TaggedRowInput) => string,
  convertOne: (base: RowInput) => Promise<S>,
): Promise<void> {
  const rows = rowOptions(o);
  const bases = inputs.map((input) => ({ input, outDir: outDirFor(input, o), ...rows }));
  await checkDistinct(bases, outputPathOf);
  const failed: string[] = [];
  const files: (S & { input: string })[] = [];
  for (const base of bases) {
    const s = await convertOne(base);
    files.push({ input: base.input, ...s });
    if (reportBadLines(base.input, s.badLines)) failed.push(base.input);
  }
  if (o.json) printJson({ files });
  failIfBad(failed, o);
}

function outDirFor(input: string, o: RowFlags): string {
  const out = o.outDir ?? o.out;
  return o.byDataset ? join(out, datasetOf(input)) : out;
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
        `"${other}" and "${input}" would both be written to "${path}"; pass --by-dataset or convert them one at a time into different --out folders`,
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

function failIfBad(files: readonly string[], o: { allowBadLines: boolean }): void {
  if (files.length === 0 || o.allowBadLines) return;
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

function formatSummaries(
  o: Pick<ExtractSummariesFlags, "minInputTokens" | "minOutputTokens">,
  s: ExtractSummariesSummary,
): string {
  const bad = s.badRows.length > 0 ? ` (${s.badRows.length} could not be read)` : "";
  return [
    `rows read                          ${s.read}${bad}`,
    `with a summary keyword             ${s.afterKeywords}`,
    `non-empty after cleaning           ${s.afterCleaning}`,
    `≥ ${o.minInputTokens} input tokens`.padEnd(35) + String(s.afterInputTokens),
    `≥ ${o.minOutputTokens} output tokens`.padEnd(35) + String(s.afterOutputTokens),
    `→ ${s.outputPath}`,
    "",
  ].join("\n");
}
