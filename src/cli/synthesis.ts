/**
 * What the datasets × lengths commands (`plain`, `keychain`) share in the CLI: their flags (defaults are the
 * library's), the mapping of the flags onto the library's options, the progress display and the summaries.
 */
import { type Command, Option } from "commander";
import { parseWorkerCount, type WorkerCount } from "../async/worker-pool.js";
import { ConfigError } from "../errors.js";
import type { FileSummary, RunEvent } from "../run/matrix.js";
import { MATRIX_DEFAULTS, type MatrixOptions } from "../run/options.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { intOption } from "./numbers.js";
import { createProgress, type Progress } from "./progress.js";

/** The flags every datasets × lengths command takes, as commander hands them over. */
export interface MatrixFlags {
  input?: string;
  datasets?: string[];
  dataDir: string;
  format?: string;
  name?: string;
  maxSeqLength?: string;
  lengths?: string;
  tokensToGenerate: number;
  numSamples: number;
  preSamples: number;
  disjointWindows: boolean;
  seed: number;
  shuffleQa: boolean;
  filterIds?: string;
  minHops?: number;
  placement: string;
  passageHeader: string;
  passageSeparator: string;
  tokenizer: string;
  chatTemplate: string;
  systemPrompt: string;
  checkBudget: string;
  cacheDir?: string;
  cache: boolean;
  subset: string;
  out: string;
  shard?: string;
  duplicateIds: string;
  maxDocumentBytes: number;
  workers: WorkerCount;
  quiet: boolean;
  json: boolean;
}

const D = MATRIX_DEFAULTS;

/** The flags every datasets × lengths command takes; their defaults are {@link MATRIX_DEFAULTS}. */
export function addSynthesisOptions(cmd: Command): Command {
  return cmd
    .option("-i, --input <file>", "one data set file (HotpotQA, MuSiQue, 2WikiMQA, SQuAD or generic JSONL)")
    .option(
      "--datasets <list...>",
      "data sets, comma-separated: FILE, NAME=FILE, or hotpotqa|musique|2wikimqa (their downloaded files in --data-dir)",
    )
    .option("--data-dir <dir>", "where `download` put the public data sets", D.dataDir)
    .option("--format <name>", "input format, overriding detection: hotpotqa|musique|2wikimqa|squad|jsonl")
    .option(
      "--name <name>",
      "output folder and `dataset` field for a single input (default: format name or file stem)",
    )
    .option("-L, --max-seq-length <tokens>", "sequence length L, e.g. 32768 or 32k")
    .option("--lengths <list>", "several lengths in one run, e.g. 4k,8k,16k,32k,64k,128k")
    .option(
      "-G, --tokens-to-generate <n>",
      "tokens reserved for the answer: prompts are ≤ L − G",
      intOption("--tokens-to-generate", 0),
      D.tokensToGenerate,
    )
    .option(
      "-n, --num-samples <n>",
      "samples per length; -1 = every question from --pre-samples on",
      intOption("--num-samples", -1),
      D.numSamples,
    )
    .option(
      "--pre-samples <n>",
      "skip this many questions first (start of the window)",
      intOption("--pre-samples", 0),
      D.preSamples,
    )
    .option("--no-disjoint-windows", "use the same questions for every length instead of consecutive windows")
    .option("--seed <n>", "random seed", intOption("--seed"), D.seed)
    .option("--shuffle-qa", "shuffle the questions (seeded) before taking windows", D.shuffleQa)
    .option(
      "--filter-ids <file>",
      'keep only questions whose id is listed (JSONL with "id", or one id per line)',
    )
    .option(
      "--min-hops <n>",
      "keep questions with at least N hops (MuSiQue hard variant: 3)",
      intOption("--min-hops", 1),
    )
    .option("--placement <spec>", "shuffle | gaussian[:sigma,clamp] | depth:P | relevant-only", D.placement)
    .option("--passage-header <text>", "passage header; {i} is the 1-based number", D.passageHeader)
    .option("--passage-separator <text>", "text between passages", D.passageSeparator)
    .option(
      "-t, --tokenizer <spec>",
      "qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL",
      D.tokenizer,
    )
    .option(
      "--chat-template <t>",
      "the chat template the trainer applies; the budget is counted through it: auto (the tokenizer's own) | none | qwen_orz_boxed | FILE",
      D.chatTemplate,
    )
    .option(
      "--system-prompt <name>",
      "system message stored in each prompt: none | qwen_orz_boxed | @FILE",
      D.systemPrompt,
    )
    .option(
      "--check-budget <mode>",
      "re-count prompts in full: sample (every 100th) | all | off (every 100th is also rendered again through the chat template; all: every one)",
      D.checkBudget,
    )
    .option(
      "--cache-dir <dir>",
      "token count cache (default: $KEYCHAIN_SYNTH_CACHE or ~/.cache/keychain-synth)",
    )
    .option("--no-cache", "do not read or write the token count cache")
    .option("--subset <name>", "subset name used in file names", D.subset)
    .option("-o, --out <dir>", "output folder", D.out)
    .option("--shard <i/n>", "produce shard i of n (0-based); shards concatenated equal the whole file")
    .option(
      "--duplicate-ids <mode>",
      "a question id repeated within one data set: error | keep-first (the others dropped and counted)",
      D.duplicateIds,
    )
    .option(
      "--max-document-bytes <n>",
      "largest document a data set may hold, in bytes of UTF-8 text",
      intOption("--max-document-bytes", 1),
      D.maxDocumentBytes,
    )
    .addOption(workersOption("worker threads that build the samples (output identical for any number)"))
    .option("-q, --quiet", "no progress output", false)
    .option("--json", "print the summaries as JSON", false);
}

/** The library options the shared flags stand for. */
export function matrixOptions(f: MatrixFlags): MatrixOptions {
  if (f.maxSeqLength !== undefined && f.lengths !== undefined)
    throw new ConfigError("Give either --max-seq-length or --lengths, not both");
  const lengths = f.lengths ?? f.maxSeqLength;
  if (lengths === undefined) throw new ConfigError("Give --max-seq-length L or --lengths L1,L2,…");
  const input = [...(f.datasets ?? []), ...(f.input !== undefined ? [f.input] : [])];
  if (input.length === 0) throw new ConfigError("No data set given: pass --input FILE or --datasets LIST");
  const o: MatrixOptions = {
    input,
    dataDir: f.dataDir,
    lengths,
    tokensToGenerate: f.tokensToGenerate,
    numSamples: f.numSamples,
    preSamples: f.preSamples,
    disjointWindows: f.disjointWindows,
    seed: f.seed,
    shuffleQa: f.shuffleQa,
    placement: f.placement,
    passageHeader: f.passageHeader,
    passageSeparator: f.passageSeparator,
    tokenizer: f.tokenizer,
    chatTemplate: f.chatTemplate,
    systemPrompt: f.systemPrompt,
    checkBudget: f.checkBudget,
    cacheDir: f.cache ? f.cacheDir : false,
    subset: f.subset,
    out: f.out,
    duplicateIds: f.duplicateIds as MatrixOptions["duplicateIds"],
    maxDocumentBytes: f.maxDocumentBytes,
    workers: f.workers,
  };
  if (f.format !== undefined) o.format = f.format;
  if (f.name !== undefined) o.name = f.name;
  if (f.filterIds !== undefined) o.filterIds = f.filterIds;
  if (f.minHops !== undefined) o.minHops = f.minHops;
  if (f.shard !== undefined) o.shard = f.shard;
  return o;
}

/** A command's end summary as JSON on stdout (`--json`): the result object itself, indented, one trailing newline. */
export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `--workers <n|auto>`: worker threads, the library's `workers` option (`auto`: one per core, capped by
 * memory, and none for small jobs). `what` says what they do.
 */
export function workersOption(what: string): Option {
  return new Option("--workers <n|auto>", `${what}: a number or auto`)
    .argParser((v: string) => parseWorkerCount(v, "--workers"))
    .default(MATRIX_DEFAULTS.workers);
}

/** A hidden spelling of a flag, kept so that existing scripts do not break. */
export function hiddenAlias(flags: string, parse?: (value: string) => unknown): Option {
  const option = new Option(flags).hideHelp();
  return parse ? option.argParser(parse) : option;
}

/** Run `work` with a progress display (`quiet` hides it) that is stopped before `work`'s caller prints. */
export async function withProgress<T>(quiet: boolean, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = createProgress(process.stderr, quiet);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}

/**
 * Run `work` with the tokenizer of `spec` and a progress display (`quiet` hides it); the display is stopped
 * before `work` prints and the tokenizer closed however it ends.
 */
export async function withTokenizer<T>(
  o: { tokenizer: string; quiet: boolean },
  work: (deps: { counter: TokenCounter; progress: Progress }) => Promise<T>,
): Promise<T> {
  return withProgress(o.quiet, async (progress) => {
    const counter = await resolveTokenizer(o.tokenizer);
    try {
      return await work({ counter, progress });
    } finally {
      await counter.close();
    }
  });
}

/** Map run events onto a progress display. */
export function progressReporter(progress: Progress): (e: RunEvent) => void {
  let cacheStarted = false;
  return (e) => {
    switch (e.type) {
      case "corpus":
        progress.log(
          `read ${e.path}: ${e.questions} questions, ${e.docs} unique documents (${(e.ms / 1000).toFixed(1)} s)`,
        );
        for (const d of e.dropped) progress.log(`  dropped ${d.count}: ${d.reason}`);
        cacheStarted = false;
        break;
      case "note":
        progress.log(`note: ${e.message}`);
        break;
      case "token-cache":
        if (!cacheStarted) {
          progress.start(`counting tokens (${e.dataset})`, e.total);
          cacheStarted = true;
        }
        progress.update(e.done);
        break;
      case "token-cache-done":
        progress.stop();
        progress.log(
          e.cached
            ? `token counts for ${e.dataset}: from cache`
            : `token counts for ${e.dataset}: ${e.tokens} tokens in ${(e.ms / 1000).toFixed(1)} s (${Math.round(e.tokens / (e.ms / 1000) / 1000)}k tokens/s)`,
        );
        break;
      case "file-start":
        progress.start(e.path, e.total);
        break;
      case "file-progress":
        progress.update(e.done);
        break;
      case "file-done":
        progress.stop();
        break;
    }
  };
}

export function printSummaries(summaries: FileSummary[], out: NodeJS.WritableStream = process.stdout): void {
  for (const s of summaries) {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    out.write(
      `${s.path}\n  ${s.written}/${s.requested} samples written, ${s.skipped.length} skipped; ` +
        `prompt fill of L−G: mean ${pct(s.fill.mean)}, min ${pct(s.fill.min)}, max ${pct(s.fill.max)}; ` +
        `within budget ${s.withinBudget}/${s.written}; re-counted ${s.verified}` +
        `${s.exactByConstruction ? " (exact by construction)" : ""}; ${(s.ms / 1000).toFixed(1)} s\n`,
    );
    const reasons = new Map<string, number>();
    for (const k of s.skipped) reasons.set(k.reason, (reasons.get(k.reason) ?? 0) + 1);
    for (const [r, n] of reasons) out.write(`  skipped ${n}: ${r}\n`);
    const budget = s.maxSeqLength - s.tokensToGenerate;
    if (s.written > 0 && s.fill.mean < 0.97 && s.corpusTokens < 1.5 * budget)
      out.write(
        `  warning: the data set's documents hold only ${s.corpusTokens} tokens in all, too few to fill ${budget}-token prompts; add documents or use a shorter length\n`,
      );
  }
}
