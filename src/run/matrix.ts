import { basename } from "node:path";
import { docTokenCounts } from "../cache/doc-counts.js";
import type { PassageLayout } from "../compose/layout.js";
import { SizedCorpus } from "../compose/sized-corpus.js";
import { corpusFingerprint, type DuplicateIds, readCorpus, readIdList } from "../corpus/read.js";
import type { Corpus, DroppedRecords, FormatName, QaRecord } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import { writeAtomic, writeFileAtomic } from "../io/atomic.js";
import { assertPathPart } from "../io/paths.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { type CorpusMemo, type ReadDataset, readDataset } from "./corpus-memo.js";
import {
  type Shard,
  selectQuestions,
  shardRange,
  type WindowItem,
  windowItems,
  windowRange,
} from "./windows.js";

/** One input data set: a file and the name its outputs go under. */
export interface DatasetSpec {
  /** Output folder and `dataset` field; default: the format name for the public data sets, else the file stem. */
  name?: string;
  path: string;
  format?: FormatName;
}

/** What every datasets × lengths run shares (plain and KeyChain). */
export interface MatrixConfig {
  datasets: DatasetSpec[];
  lengths: number[];
  tokensToGenerate: number;
  layout: PassageLayout;
  numSamples: number;
  preSamples: number;
  /** Give each length its own window of questions (`synth_multihop_plain.sh`). @default true */
  disjointWindows: boolean;
  seed: number;
  shuffleQa: boolean;
  filterIds?: string;
  minHops?: number;
  subset: string;
  out: string;
  cacheDir: string | undefined;
  shard?: Shard;
  /**
   * A question id repeated within one data set: `error`, or `keep-first` (the others dropped). Absent means
   * the default, `error` (absent rather than filled in, so configs, manifests and step keys of earlier
   * versions stay as they were).
   */
  duplicateIds?: DuplicateIds;
  /** The largest document a reader accepts. @unit bytes. Absent means the default, 4 MiB (see `duplicateIds`). */
  maxDocumentBytes?: number;
}

/** What a runner reports while it works; the CLI turns it into a progress bar or plain lines. */
export type RunEvent =
  | {
      type: "corpus";
      dataset: string;
      path: string;
      docs: number;
      questions: number;
      /** Source records left out, by reason ("dropped N: reason"); empty when none were. */
      dropped: DroppedRecords[];
      ms: number;
    }
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
  /** Reuse data sets read and token-counted by earlier runs with the same memo (grow rounds, pipeline kinds). */
  memo?: CorpusMemo;
}

/**
 * Runs `work` with `deps` completed: the counter of `tokenizer` is loaded (and closed afterwards) when `deps`
 * brings none.
 */
export async function withRunDeps<T>(
  tokenizer: string,
  deps: Partial<RunDeps>,
  work: (deps: RunDeps) => Promise<T>,
): Promise<T> {
  if (deps.counter) return work({ ...deps, counter: deps.counter });
  const counter = await resolveTokenizer(tokenizer);
  try {
    return await work({ ...deps, counter });
  } finally {
    await counter.close();
  }
}

/** A data set read, filtered and sized once for all its lengths. */
export interface LoadedDataset {
  name: string;
  spec: DatasetSpec;
  corpus: Corpus;
  fingerprint: string;
  /** Filtered and (optionally) shuffled: positions are `source_index`. */
  questions: QaRecord[];
  sized: SizedCorpus;
}

/** One file of the matrix: a data set at one length, over one window (or shard of it). */
export interface MatrixCell {
  dataset: LoadedDataset;
  length: number;
  /** Questions in the whole window (before sharding): the N of the file name. */
  windowSize: number;
  window: { start: number; end: number; shardStart: number; shardEnd: number };
  items: WindowItem[];
}

export type SampleResult<R> =
  | { kind: "sample"; record: R; verified: boolean }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

/** The kind-specific part of a run (plain, KeyChain). */
export interface SampleKind<R extends { prompt_length: number }> {
  /** `plain` or `keychain`, recorded in the sidecar. */
  name: string;
  /** Checks on a loaded data set before any file is written (e.g. enough distractor questions). */
  check?(ds: LoadedDataset): void;
  outputPath(cell: MatrixCell): string;
  synthesize(cell: MatrixCell): AsyncIterable<SampleResult<R>>;
  /** The options block of the sidecar. */
  options(cell: MatrixCell): Record<string, unknown>;
  exact(ds: LoadedDataset): boolean;
}

/** `hotpotqa`, `musique`, `2wikimqa` for those formats; otherwise the input file's name without extension. */
export function defaultDatasetName(corpus: Corpus): string {
  if (corpus.format === "hotpotqa" || corpus.format === "musique" || corpus.format === "2wikimqa")
    return corpus.format;
  return basename(corpus.source).replace(/\.(jsonl?|json)$/i, "");
}

/** `.shard-i-of-n` when sharded, else empty. */
export function shardSuffix(shard: Shard | undefined): string {
  return shard ? `.shard-${shard.index}-of-${shard.count}` : "";
}

/**
 * Run a kind over every dataset × length. Each data set is read and tokenised once and shared by all its
 * lengths; every window is validated before any work, so a bad request leaves no partial output. Each file is
 * written atomically with a deterministic `.meta.json` beside it.
 */
export async function runMatrix<R extends { prompt_length: number }>(
  config: MatrixConfig,
  deps: RunDeps,
  kind: SampleKind<R>,
): Promise<FileSummary[]> {
  const now = deps.now ?? (() => performance.now());
  const emit = deps.onEvent ?? (() => {});
  const ids = config.filterIds ? await readIdList(config.filterIds) : undefined;
  const summaries: FileSummary[] = [];
  for (const spec of config.datasets) {
    const t0 = now();
    if (spec.name !== undefined) assertPathPart(spec.name, "data set name");
    const read = await readSpec(spec, config, deps.memo);
    const { corpus, fingerprint } = read;
    const name = assertPathPart(spec.name ?? defaultDatasetName(corpus), "data set name");
    emit({
      type: "corpus",
      dataset: name,
      path: spec.path,
      docs: corpus.docs.length,
      questions: corpus.qas.length,
      dropped: corpus.dropped,
      ms: now() - t0,
    });
    const questions = selectQuestions(corpus.qas, {
      ids,
      minHops: config.minHops,
      shuffle: config.shuffleQa,
      seed: config.seed,
    });
    if (questions.length === 0)
      throw new ConfigError(
        `No questions left in "${spec.path}" after filtering (--filter-ids / --min-hops)`,
      );
    const windows = config.lengths.map((length, k) => {
      if (length - config.tokensToGenerate <= 0)
        throw new ConfigError(
          `--tokens-to-generate ${config.tokensToGenerate} leaves no prompt budget at length ${length}`,
        );
      return windowRange(questions.length, {
        numSamples: config.numSamples,
        preSamples: config.preSamples,
        lengthIndex: k,
        disjoint: config.disjointWindows,
      });
    });
    const t1 = now();
    const countOptions = {
      cacheDir: config.cacheDir,
      suffix: config.layout.separator,
      onProgress: (done: number, total: number) => emit({ type: "token-cache", dataset: name, done, total }),
    };
    const counts = await (deps.memo?.tokenCounts(read, deps.counter, countOptions) ??
      docTokenCounts(corpus.docs, fingerprint, deps.counter, countOptions));
    emit({
      type: "token-cache-done",
      dataset: name,
      cached: counts.cached,
      tokens: counts.tokens,
      ms: now() - t1,
    });
    const ds: LoadedDataset = {
      name,
      spec,
      corpus,
      fingerprint,
      questions,
      sized: new SizedCorpus(corpus.docs, counts.counts, config.layout),
    };
    kind.check?.(ds);
    for (const [k, length] of config.lengths.entries()) {
      const w = windows[k] as { start: number; end: number };
      const part = shardRange(w.start, w.end, config.shard);
      const cell: MatrixCell = {
        dataset: ds,
        length,
        windowSize: w.end - w.start,
        window: { ...w, shardStart: part.start, shardEnd: part.end },
        items: windowItems(questions, w.start, part.start, part.end),
      };
      summaries.push(await writeCell(cell, config, deps.counter, kind, emit, now));
    }
  }
  return summaries;
}

/**
 * A data set read (and fingerprinted) once: through the memo when the read options are the defaults (the
 * memo's reads use them), else on its own.
 */
function readSpec(
  spec: DatasetSpec,
  config: MatrixConfig,
  memo: CorpusMemo | undefined,
): Promise<ReadDataset> {
  const { duplicateIds, maxDocumentBytes } = config;
  if (duplicateIds === undefined && maxDocumentBytes === undefined)
    return memo?.read(spec.path, spec.format) ?? readDataset(spec.path, spec.format);
  return readCorpus(spec.path, {
    ...(spec.format ? { format: spec.format } : {}),
    ...(duplicateIds !== undefined ? { duplicateIds } : {}),
    ...(maxDocumentBytes !== undefined ? { maxDocumentBytes } : {}),
  }).then((corpus) => ({ corpus, fingerprint: corpusFingerprint(corpus) }));
}

async function writeCell<R extends { prompt_length: number }>(
  cell: MatrixCell,
  config: MatrixConfig,
  counter: TokenCounter,
  kind: SampleKind<R>,
  emit: (e: RunEvent) => void,
  now: () => number,
): Promise<FileSummary> {
  const t0 = now();
  const path = kind.outputPath(cell);
  const total = cell.items.length;
  const budget = cell.length - config.tokensToGenerate;
  emit({ type: "file-start", path, total });
  const summary: FileSummary = {
    path,
    dataset: cell.dataset.name,
    maxSeqLength: cell.length,
    tokensToGenerate: config.tokensToGenerate,
    requested: total,
    written: 0,
    skipped: [],
    fill: { mean: 0, min: Number.POSITIVE_INFINITY, max: 0 },
    verified: 0,
    withinBudget: 0,
    exactByConstruction: kind.exact(cell.dataset),
    corpusTokens: cell.dataset.sized.totalTokens,
    ms: 0,
  };
  let fillSum = 0;
  let done = 0;
  await writeAtomic(path, async (file) => {
    for await (const r of kind.synthesize(cell)) {
      done++;
      if (r.kind === "skip") {
        summary.skipped.push({ index: r.index, source_index: r.sourceIndex, id: r.id, reason: r.reason });
      } else {
        await file.write(`${JSON.stringify(r.record)}\n`);
        const fill = r.record.prompt_length / budget;
        fillSum += fill;
        summary.fill.min = Math.min(summary.fill.min, fill);
        summary.fill.max = Math.max(summary.fill.max, fill);
        summary.written++;
        if (r.record.prompt_length <= budget) summary.withinBudget++;
        if (r.verified) summary.verified++;
      }
      if (done % 16 === 0 || done === total) emit({ type: "file-progress", path, done, total });
    }
  });
  summary.fill.mean = summary.written > 0 ? fillSum / summary.written : 0;
  if (summary.written === 0) summary.fill.min = 0;
  summary.ms = now() - t0;
  const meta = {
    kind: kind.name,
    file: basename(path),
    dataset: cell.dataset.name,
    source: cell.dataset.spec.path,
    source_fingerprint: cell.dataset.fingerprint,
    tokenizer: { name: counter.name, id: counter.id },
    options: {
      max_seq_length: cell.length,
      tokens_to_generate: config.tokensToGenerate,
      seed: config.seed,
      ...kind.options(cell),
    },
    window: cell.window,
    // No timings: the sidecar is as deterministic as the data file.
    summary: { ...summary, ms: undefined },
    // Last, and only when some were: sidecars of data sets that dropped nothing stay as they were.
    ...(cell.dataset.corpus.dropped.length > 0 ? { dropped: cell.dataset.corpus.dropped } : {}),
  };
  await writeFileAtomic(`${path}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);
  emit({ type: "file-done", summary });
  return summary;
}
