import type { Command } from "commander";
import { defaultCacheDir } from "../cache/doc-counts.js";
import { DEFAULT_LAYOUT, parseLayout } from "../compose/layout.js";
import { parsePlacement } from "../compose/placement.js";
import { ConfigError } from "../errors.js";
import { parseLength, parseLengths } from "../plain/lengths.js";
import { type FileSummary, type PlainRunConfig, type RunEvent, runPlain } from "../plain/run.js";
import type { BudgetCheck } from "../plain/synthesize.js";
import { parseShard } from "../plain/windows.js";
import { FRAMING_DEFAULTS } from "../prompt/framing.js";
import { PLAIN_USER_TEMPLATE } from "../prompt/templates.js";
import { parseTemplate } from "../prompt/user-template.js";
import type { MatrixConfig, RunDeps } from "../run/matrix.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { parseDatasets, parseFormat } from "./datasets.js";
import { intOption } from "./numbers.js";
import { createProgress, type Progress } from "./progress.js";

/** Options shared by every command that builds contexts (plain now, keychain later). */
export function addSynthesisOptions(cmd: Command): Command {
  return cmd
    .option("-i, --input <file>", "one data set file (HotpotQA, MuSiQue, 2WikiMQA, SQuAD or generic JSONL)")
    .option(
      "--datasets <list...>",
      "data sets, comma-separated: FILE, NAME=FILE, or hotpotqa|musique|2wikimqa (their downloaded files in --data-dir)",
    )
    .option("--data-dir <dir>", "where `download` put the public data sets", "data")
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
      128,
    )
    .option(
      "-n, --num-samples <n>",
      "samples per length; -1 = every question from --pre-samples on",
      intOption("--num-samples", -1),
      1000,
    )
    .option(
      "--pre-samples <n>",
      "skip this many questions first (start of the window)",
      intOption("--pre-samples", 0),
      0,
    )
    .option("--no-disjoint-windows", "use the same questions for every length instead of consecutive windows")
    .option("--seed <n>", "random seed", intOption("--seed"), 42)
    .option("--shuffle-qa", "shuffle the questions (seeded) before taking windows", false)
    .option(
      "--filter-ids <file>",
      'keep only questions whose id is listed (JSONL with "id", or one id per line)',
    )
    .option(
      "--min-hops <n>",
      "keep questions with at least N hops (MuSiQue hard variant: 3)",
      intOption("--min-hops", 1),
    )
    .option("--placement <spec>", "shuffle | gaussian[:sigma,clamp] | depth:P | relevant-only", "shuffle")
    .option("--passage-header <text>", "passage header; {i} is the 1-based number", DEFAULT_LAYOUT.header)
    .option("--passage-separator <text>", "text between passages", DEFAULT_LAYOUT.separator)
    .option(
      "-t, --tokenizer <spec>",
      "qwen3 | hf:PATH | tiktoken:ENC | sentencepiece:MODEL | approx | vllm:URL | gemini:MODEL",
      "qwen3",
    )
    .option(
      "--chat-template <t>",
      "the chat template the trainer applies; the budget is counted through it: auto (the tokenizer's own) | none | qwen_orz_boxed | FILE",
      FRAMING_DEFAULTS.chatTemplate,
    )
    .option(
      "--system-prompt <name>",
      "system message stored in each prompt: none | qwen_orz_boxed | @FILE",
      FRAMING_DEFAULTS.systemPrompt,
    )
    .option("--check-budget <mode>", "re-count prompts in full: sample (every 100th) | all | off", "sample")
    .option(
      "--cache-dir <dir>",
      "token count cache (default: $KEYCHAIN_SYNTH_CACHE or ~/.cache/keychain-synth)",
    )
    .option("--no-cache", "do not read or write the token count cache")
    .option("--subset <name>", "subset name used in file names", "train")
    .option("-o, --out <dir>", "output folder", "output")
    .option("--shard <i/n>", "produce shard i of n (0-based); shards concatenated equal the whole file")
    .option("-q, --quiet", "no progress output", false);
}

export type Opts = Record<string, unknown>;

/** The flags every datasets × lengths command shares, resolved (every default filled once, here). */
export function resolveMatrixConfig(o: Opts): MatrixConfig {
  const format = parseFormat(o.format as string | undefined);
  const inputs = [...((o.datasets as string[] | undefined) ?? []), ...(o.input ? [o.input as string] : [])];
  const datasets = parseDatasets(inputs, o.dataDir as string, format);
  if (o.name !== undefined) {
    if (datasets.length !== 1)
      throw new ConfigError("--name applies to a single data set; use NAME=FILE in --datasets");
    (datasets[0] as { name?: string }).name = o.name as string;
  }
  if (o.maxSeqLength !== undefined && o.lengths !== undefined)
    throw new ConfigError("Give either --max-seq-length or --lengths, not both");
  if (o.maxSeqLength === undefined && o.lengths === undefined)
    throw new ConfigError("Give --max-seq-length L or --lengths L1,L2,…");
  const lengths =
    o.lengths !== undefined ? parseLengths(o.lengths as string) : [parseLength(o.maxSeqLength as string)];
  const config: MatrixConfig = {
    datasets,
    lengths,
    tokensToGenerate: o.tokensToGenerate as number,
    layout: parseLayout(o.passageHeader as string, o.passageSeparator as string),
    numSamples: o.numSamples as number,
    preSamples: o.preSamples as number,
    disjointWindows: o.disjointWindows as boolean,
    seed: o.seed as number,
    shuffleQa: o.shuffleQa as boolean,
    subset: o.subset as string,
    out: o.out as string,
    cacheDir: o.cache === false ? undefined : ((o.cacheDir as string | undefined) ?? defaultCacheDir()),
  };
  if (o.filterIds !== undefined) config.filterIds = o.filterIds as string;
  if (o.minHops !== undefined) config.minHops = o.minHops as number;
  if (o.shard !== undefined) config.shard = parseShard(o.shard as string);
  return config;
}

/** `--system-prompt` and `--chat-template`, checked when the run resolves them against the tokenizer. */
export function resolveFramingFlags(o: Opts): { systemPrompt: string; chatTemplate: string } {
  return { systemPrompt: o.systemPrompt as string, chatTemplate: o.chatTemplate as string };
}

export function parseBudgetCheck(value: string): BudgetCheck {
  if (!["sample", "all", "off"].includes(value))
    throw new ConfigError(`--check-budget must be sample, all or off, got ${JSON.stringify(value)}`);
  return value as BudgetCheck;
}

/** Turn parsed `plain` flags into the resolved run configuration. */
export function resolvePlainConfig(o: Opts): PlainRunConfig {
  return {
    ...resolveMatrixConfig(o),
    ...resolveFramingFlags(o),
    placement: parsePlacement(o.placement as string),
    template: parseTemplate(o.template as string),
    removeNewlineTab: o.removeNewlineTab as boolean,
    distractQuestions: o.distractQuestions as number,
    checkBudget: parseBudgetCheck(o.checkBudget as string),
  };
}

export function registerPlain(program: Command): void {
  const cmd = program
    .command("plain")
    .description(
      "Build plain long-context QA samples: each question's documents plus filler documents, sized to exactly ≤ L − G tokens",
    );
  addSynthesisOptions(cmd)
    .option(
      "--template <text>",
      "the user message, with {context} (and optionally {input}); default: LoongRL's plain wording",
      PLAIN_USER_TEMPLATE,
    )
    .option(
      "--remove-newline-tab",
      "replace newlines/tabs by spaces and collapse whitespace (before measuring)",
      false,
    )
    .option(
      "--distract-questions <k>",
      "store k other questions per record as `distract_questions` (-1: none)",
      intOption("--distract-questions", -1),
      -1,
    )
    .action(async (o: Opts) => {
      const config = resolvePlainConfig(o);
      await withTokenizer(o, async (deps) => printSummaries(await runPlain(config, deps)));
    });
}

/**
 * Run a command's work with the tokenizer of `--tokenizer` and a progress display (`--quiet` hides it); the
 * display is stopped before `work` prints and the tokenizer closed however it ends.
 */
export async function withTokenizer(
  o: Opts,
  work: (deps: RunDeps & { progress: Progress }) => Promise<void>,
): Promise<void> {
  const progress = createProgress(process.stderr, o.quiet as boolean);
  const counter = await resolveTokenizer(o.tokenizer as string);
  try {
    await work({ counter, progress, onEvent: progressReporter(progress) });
  } finally {
    progress.stop();
    await counter.close();
  }
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
        cacheStarted = false;
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
