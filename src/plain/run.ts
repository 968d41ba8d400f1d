import { basename, join } from "node:path";
import { docTokenCounts } from "../cache/doc-counts.js";
import type { PassageLayout } from "../compose/layout.js";
import { QuestionPool } from "../compose/question-pool.js";
import { SizedCorpus } from "../compose/sized-corpus.js";
import { corpusFingerprint, readCorpus, readIdList } from "../corpus/read.js";
import type { Corpus, FormatName } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import { AtomicFile, writeFileAtomic } from "../io/atomic.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { isExactByConstruction, type PlainOptions, type PlainRecord, synthesizePlain } from "./synthesize.js";
import { type Shard, selectQuestions, shardRange, windowItems, windowRange } from "./windows.js";

/** One input data set: a file and the name its outputs go under. */
export interface DatasetSpec {
  /** Output folder and `dataset` field; default: the format name for the public data sets, else the file stem. */
  name?: string;
  path: string;
  format?: FormatName;
}

/** Resolved configuration of a plain run over datasets × lengths. */
export interface PlainRunConfig extends Omit<PlainOptions, "dataset" | "maxSeqLength"> {
  datasets: DatasetSpec[];
  lengths: number[];
  layout: PassageLayout;
  numSamples: number;
  preSamples: number;
  /** Give each length its own window of questions (`synth_multihop_plain.sh`). @default true */
  disjointWindows: boolean;
  shuffleQa: boolean;
  filterIds?: string;
  minHops?: number;
  subset: string;
  out: string;
  cacheDir: string | undefined;
  shard?: Shard;
}

/** What the runner reports while it works; the CLI turns it into a progress bar or plain lines. */
export type RunEvent =
  | { type: "corpus"; dataset: string; path: string; docs: number; questions: number; ms: number }
  | { type: "token-cache"; dataset: string; done: number; total: number }
  | { type: "token-cache-done"; dataset: string; cached: boolean; tokens: number; ms: number }
  | { type: "file-start"; path: string; total: number }
  | { type: "file-progress"; path: string; done: number; total: number }
  | { type: "file-done"; summary: FileSummary };

export interface FileSummary {
  path: string;
  dataset: string;
  maxSeqLength: number;
  tokensToGenerate: number;
  requested: number;
  written: number;
  skipped: { index: number; source_index: number; id: string; reason: string }[];
  /** prompt tokens / (L − G): mean, min, max over written samples. */
  fill: { mean: number; min: number; max: number };
  /** Samples whose prompt was re-counted in full and matched. */
  verified: number;
  withinBudget: number;
  exactByConstruction: boolean;
  /** Tokens of all the data set's documents together: when this is near L − G the corpus cannot fill samples. */
  corpusTokens: number;
  ms: number;
}

export interface RunDeps {
  counter: TokenCounter;
  onEvent?: (e: RunEvent) => void;
  /** Clock for timings (injectable for tests). */
  now?: () => number;
}

/** Output file of one dataset × length: `{out}/{name}/{subset}-num_sample_{N}-max_seq_{L}.jsonl` (+ shard suffix). */
export function plainOutputPath(config: PlainRunConfig, dataset: string, n: number, length: number): string {
  const shard = config.shard ? `.shard-${config.shard.index}-of-${config.shard.count}` : "";
  return join(config.out, dataset, `${config.subset}-num_sample_${n}-max_seq_${length}${shard}.jsonl`);
}

/**
 * Run plain synthesis over every dataset × length. Each dataset is read and tokenised once and shared by all
 * its lengths. Each file is written atomically with a `.meta.json` beside it. Returns the file summaries.
 */
export async function runPlain(config: PlainRunConfig, deps: RunDeps): Promise<FileSummary[]> {
  const now = deps.now ?? (() => performance.now());
  const emit = deps.onEvent ?? (() => {});
  const ids = config.filterIds ? await readIdList(config.filterIds) : undefined;
  const summaries: FileSummary[] = [];
  for (const ds of config.datasets) {
    const t0 = now();
    const corpus = await readCorpus(ds.path, ds.format ? { format: ds.format } : {});
    const name = ds.name ?? defaultDatasetName(corpus);
    emit({
      type: "corpus",
      dataset: name,
      path: ds.path,
      docs: corpus.docs.length,
      questions: corpus.qas.length,
      ms: now() - t0,
    });
    const questions = selectQuestions(corpus.qas, {
      ids,
      minHops: config.minHops,
      shuffle: config.shuffleQa,
      seed: config.seed,
    });
    if (questions.length === 0)
      throw new ConfigError(`No questions left in "${ds.path}" after filtering (--filter-ids / --min-hops)`);
    // Validate every window before any work, so a bad request leaves no partial output.
    const windows = config.lengths.map((_, k) =>
      windowRange(questions.length, {
        numSamples: config.numSamples,
        preSamples: config.preSamples,
        lengthIndex: k,
        disjoint: config.disjointWindows,
      }),
    );
    const pool = config.distractQuestions >= 0 ? new QuestionPool(corpus.qas) : undefined;
    pool?.assertCanSample(config.distractQuestions, `--distract-questions ${config.distractQuestions}`);
    const sized = await sizeCorpus(corpus, name, config, deps, emit, now);
    for (const [k, length] of config.lengths.entries()) {
      const w = windows[k] as { start: number; end: number };
      const options: PlainOptions = { ...config, dataset: name, maxSeqLength: length };
      const budget = length - config.tokensToGenerate;
      if (budget <= 0)
        throw new ConfigError(
          `--tokens-to-generate ${config.tokensToGenerate} leaves no prompt budget at length ${length}`,
        );
      const part = shardRange(w.start, w.end, config.shard);
      const path = plainOutputPath(config, name, w.end - w.start, length);
      const items = windowItems(questions, w.start, part.start, part.end);
      summaries.push(
        await writePlainFile(
          path,
          items.length,
          synthesizePlain({ sized, counter: deps.counter, pool }, items, options),
          {
            dataset: name,
            source: ds.path,
            fingerprint: corpusFingerprint(corpus),
            options,
            budget,
            exact: isExactByConstruction({ sized, counter: deps.counter }, options),
            counter: deps.counter,
            emit,
            now,
            window: { ...w, shardStart: part.start, shardEnd: part.end },
            corpusTokens: sized.totalTokens,
          },
        ),
      );
    }
  }
  return summaries;
}

/** `hotpotqa`, `musique`, `2wikimqa` for those formats; otherwise the input file's name without extension. */
export function defaultDatasetName(corpus: Corpus): string {
  if (corpus.format === "hotpotqa" || corpus.format === "musique" || corpus.format === "2wikimqa")
    return corpus.format;
  return basename(corpus.source).replace(/\.(jsonl?|json)$/i, "");
}

async function sizeCorpus(
  corpus: Corpus,
  name: string,
  config: PlainRunConfig,
  deps: RunDeps,
  emit: (e: RunEvent) => void,
  now: () => number,
): Promise<SizedCorpus> {
  const t0 = now();
  const res = await docTokenCounts(corpus.docs, corpusFingerprint(corpus), deps.counter, {
    cacheDir: config.cacheDir,
    suffix: config.layout.separator,
    onProgress: (done, total) => emit({ type: "token-cache", dataset: name, done, total }),
  });
  emit({ type: "token-cache-done", dataset: name, cached: res.cached, tokens: res.tokens, ms: now() - t0 });
  return new SizedCorpus(corpus.docs, res.counts, config.layout);
}

interface FileContext {
  dataset: string;
  source: string;
  fingerprint: string;
  options: PlainOptions;
  budget: number;
  exact: boolean;
  counter: TokenCounter;
  emit: (e: RunEvent) => void;
  now: () => number;
  window: { start: number; end: number; shardStart: number; shardEnd: number };
  corpusTokens: number;
}

async function writePlainFile(
  path: string,
  total: number,
  results: AsyncIterable<
    Awaited<ReturnType<typeof synthesizePlain> extends AsyncGenerator<infer R> ? R : never>
  >,
  fc: FileContext,
): Promise<FileSummary> {
  const t0 = fc.now();
  fc.emit({ type: "file-start", path, total });
  const file = await AtomicFile.open(path);
  const summary: FileSummary = {
    path,
    dataset: fc.dataset,
    maxSeqLength: fc.options.maxSeqLength,
    tokensToGenerate: fc.options.tokensToGenerate,
    requested: total,
    written: 0,
    skipped: [],
    fill: { mean: 0, min: Number.POSITIVE_INFINITY, max: 0 },
    verified: 0,
    withinBudget: 0,
    exactByConstruction: fc.exact,
    corpusTokens: fc.corpusTokens,
    ms: 0,
  };
  let fillSum = 0;
  let done = 0;
  try {
    for await (const r of results) {
      done++;
      if (r.kind === "skip") {
        summary.skipped.push({ index: r.index, source_index: r.sourceIndex, id: r.id, reason: r.reason });
      } else {
        await file.write(`${JSON.stringify(r.record satisfies PlainRecord)}\n`);
        const fill = r.record.prompt_length / fc.budget;
        fillSum += fill;
        summary.fill.min = Math.min(summary.fill.min, fill);
        summary.fill.max = Math.max(summary.fill.max, fill);
        summary.written++;
        if (r.record.prompt_length <= fc.budget) summary.withinBudget++;
        if (r.verified) summary.verified++;
      }
      if (done % 16 === 0 || done === total) fc.emit({ type: "file-progress", path, done, total });
    }
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
  summary.fill.mean = summary.written > 0 ? fillSum / summary.written : 0;
  if (summary.written === 0) summary.fill.min = 0;
  summary.ms = fc.now() - t0;
  const meta = {
    kind: "plain",
    file: basename(path),
    dataset: fc.dataset,
    source: fc.source,
    source_fingerprint: fc.fingerprint,
    tokenizer: { name: fc.counter.name, id: fc.counter.id },
    options: {
      max_seq_length: fc.options.maxSeqLength,
      tokens_to_generate: fc.options.tokensToGenerate,
      seed: fc.options.seed,
      template: fc.options.template.source,
      placement: fc.options.placement,
      remove_newline_tab: fc.options.removeNewlineTab,
      distract_questions: fc.options.distractQuestions,
      check_budget: fc.options.checkBudget,
    },
    window: fc.window,
    // No timings here: the sidecar is as deterministic as the data file.
    summary: { ...summary, ms: undefined },
  };
  await writeFileAtomic(`${path}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);
  fc.emit({ type: "file-done", summary });
  return summary;
}
