import { basename } from "node:path";
import { pooledMap } from "../async/pool.js";
import { autoWorkerCount, WORKER_MEMORY, type WorkerCount, workerEntryExists } from "../async/worker-pool.js";
import { docTokenCounts } from "../cache/doc-counts.js";
import { escapedDocumentsOf } from "../compose/documents.js";
import type { PassageLayout } from "../compose/layout.js";
import { SizedCorpus } from "../compose/sized-corpus.js";
import { corpusFingerprint, type DuplicateIds, readCorpus, readIdList } from "../corpus/read.js";
import type { Corpus, DroppedRecords, FormatName, QaRecord } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import { writeAtomic, writeFileAtomic } from "../io/atomic.js";
import { LineBuffers } from "../io/line-buffers.js";
import { assertPathPart } from "../io/paths.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { counterShape } from "../tokenizer/thread-counter.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { type CorpusMemo, type ReadDataset, readDataset } from "./corpus-memo.js";
import {
  type Chunk,
  chunkSizeAt,
  SampleError,
  type SampleResult,
  type SampleSource,
  synthesizeChunk,
} from "./sample-maker.js";
import { SampleWorkers } from "./sample-workers.js";
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
  /**
   * Worker threads that build the samples: a number, or `auto` (see {@link resolveRunWorkers}). Absent means
   * the default, `auto`. The output is byte-identical whatever the number.
   */
  workers?: WorkerCount;
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
  /** Something adapted to the data set (e.g. fewer distractor questions than `auto` asks). */
  | { type: "note"; dataset: string; message: string }
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
  /** Stops the run: the file being written is removed and the worker threads are terminated. */
  signal?: AbortSignal;
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
  /** What a kind's maker builds samples from (name, sized corpus, every question), on any thread. */
  source: SampleSource;
}

/** One file of the matrix: a data set at one length, over one window (or shard of it). */
export interface MatrixCell {
  dataset: LoadedDataset;
  length: number;
  /** Questions in the whole window (before sharding): the N of the file name. */
  windowSize: number;
  window: { start: number; end: number; shardStart: number; shardEnd: number };
  items: readonly WindowItem[];
}

export type { SampleResult };

/** How worker threads rebuild a kind: the compiled entry that serves it and the plain data it is made from. */
export interface SampleKindWorker {
  /**
   * The compiled worker entry (`new URL("./worker.js", import.meta.url)`): a module calling `serveSamples`.
   * When it is not there (the TypeScript sources, under vitest), samples are built on the main thread.
   */
  entry: URL;
  /** What the entry's maker factory takes (structured-cloned once per worker). */
  spec: unknown;
  /** The main thread's maker identity; a worker with another refuses to start. */
  identity: string;
}

/** The kind-specific part of a run (plain, KeyChain). */
export interface SampleKind<R extends { prompt_length: number }> {
  /** `plain` or `keychain`, recorded in the sidecar. */
  name: string;
  /**
   * Checks on a loaded data set before any file is written (e.g. enough distractor questions): throws, or
   * returns notes on what was adapted to the data set (reported as `note` events).
   */
  check?(ds: LoadedDataset): string[] | undefined;
  outputPath(cell: MatrixCell): string;
  /**
   * The samples of `cell.items`, in order. Called a chunk of questions at a time (`cell.items` is then part of
   * the window); a sample depends on its own question only, so any split gives the same samples.
   */
  synthesize(cell: MatrixCell): AsyncIterable<SampleResult<R>>;
  /** Questions per call of {@link synthesize} (and per task of a worker, at most; fewer at long lengths). @default 32 */
  chunkSize?: number;
  /** How worker threads rebuild this kind; without it, samples are built on the main thread. */
  worker?: SampleKindWorker;
  /** The options block of the sidecar. */
  options(cell: MatrixCell): Record<string, unknown>;
  exact(ds: LoadedDataset): boolean;
}

/** `hotpotqa`, `musique`, `2wikimqa` for those formats; otherwise the input file's name without extension. */
export function defaultDatasetName(corpus: Corpus): string {
  if (corpus.format === "hotpotqa" || corpus.format === "musique" || corpus.format === "2wikimqa")
    return corpus.format;
  return basename(corpus.source).replace(/\.(jsonl?|json|parquet)$/i, "");
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
  const threads = new RunThreads(config, deps, kind);
  try {
    for (const spec of config.datasets)
      summaries.push(...(await runDataset(spec, { config, deps, kind, ids, threads, emit, now })));
  } finally {
    await threads.close();
  }
  return summaries;
}

/** What every data set of a run shares. */
interface RunContext<R extends { prompt_length: number }> {
  config: MatrixConfig;
  deps: RunDeps;
  kind: SampleKind<R>;
  ids: ReadonlySet<string> | undefined;
  threads: RunThreads<R>;
  emit: (e: RunEvent) => void;
  now: () => number;
}

/** One data set of {@link runMatrix}: read, count, check, then every length's file. */
async function runDataset<R extends { prompt_length: number }>(
  spec: DatasetSpec,
  x: RunContext<R>,
): Promise<FileSummary[]> {
  const { config, deps, kind, ids, threads, emit, now } = x;
  const summaries: FileSummary[] = [];
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
    throw new ConfigError(`No questions left in "${spec.path}" after filtering (--filter-ids / --min-hops)`);
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
  const counted = new SizedCorpus(corpus.docs, counts.counts, config.layout);
  // Escaping every document once for JSON (two passes over the corpus) costs about what escaping twice as many
  // tokens of contexts does: it pays when this run writes at least twice as many context tokens as the corpus
  // holds (measured: 0.75 s for 103,684 documents, against 1.4 s saved over 1,200 plain samples at 32K).
  let contextTokens = 0;
  for (const [k, w] of windows.entries()) {
    const part = shardRange(w.start, w.end, config.shard);
    contextTokens += (part.end - part.start) * (config.lengths[k] as number);
  }
  const sized =
    contextTokens >= 2 * counted.totalTokens ? counted.withEscaped(escapedDocumentsOf(corpus.docs)) : counted;
  const ds: LoadedDataset = {
    name,
    spec,
    corpus,
    fingerprint,
    questions,
    sized,
    source: { name, sized, qas: corpus.qas },
  };
  for (const message of kind.check?.(ds) ?? []) emit({ type: "note", dataset: name, message });
  const cells = config.lengths.map((length, k): MatrixCell => {
    const w = windows[k] as { start: number; end: number };
    const part = shardRange(w.start, w.end, config.shard);
    return {
      dataset: ds,
      length,
      windowSize: w.end - w.start,
      window: { ...w, shardStart: part.start, shardEnd: part.end },
      items: windowItems(questions, w.start, part.start, part.end),
    };
  });
  await threads.prepare(cells);
  for (const cell of cells)
    summaries.push(await writeCell(cell, config, deps.counter, kind, threads.chunks(cell), emit, now));
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
  chunks: AsyncIterable<Chunk>,
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
    for await (const chunk of chunks) {
      if (chunk.bytes.byteLength > 0) await file.write(chunk.bytes);
      chunk.release?.();
      for (const r of chunk.samples) {
        done++;
        if (r.kind === "skip") {
          summary.skipped.push({ index: r.index, source_index: r.sourceIndex, id: r.id, reason: r.reason });
        } else {
          const fill = r.promptLength / budget;
          fillSum += fill;
          summary.fill.min = Math.min(summary.fill.min, fill);
          summary.fill.max = Math.max(summary.fill.max, fill);
          summary.written++;
          if (r.promptLength <= budget) summary.withinBudget++;
          if (r.verified) summary.verified++;
        }
        if (done % 16 === 0 || done === total) emit({ type: "file-progress", path, done, total });
      }
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

/** Worker threads start only for a file of at least this many samples when `workers` is `auto`. */
export const AUTO_WORKERS_MIN_SAMPLES = 64;

/**
 * The worker threads a run would use for a file of `samples` samples: `workers` when a number, else (`auto`)
 * one per core capped by memory ({@link autoWorkerCount}, {@link WORKER_MEMORY} `synthesis` each), and 1 for
 * files under {@link AUTO_WORKERS_MIN_SAMPLES} samples, where starting threads costs more than it saves.
 * 1 means the main thread builds the samples; so does any count when the kind has no compiled worker entry
 * (the TypeScript sources).
 */
export function resolveRunWorkers(
  workers: WorkerCount | undefined,
  samples: number,
  kindWorker: SampleKindWorker | undefined,
): number {
  if (!kindWorker || !workerEntryExists(kindWorker.entry)) return 1;
  if (workers === undefined || workers === "auto")
    return samples < AUTO_WORKERS_MIN_SAMPLES ? 1 : autoWorkerCount(WORKER_MEMORY.synthesis);
  return workers;
}

/**
 * Where a run's samples are built: on the main thread, or in worker threads. The workers are started with the
 * run (their tokenizers load while the main thread reads the first data set) when its files are big enough
 * for them, kept for the whole run, and sent every data set once, before its first file.
 */
class RunThreads<R extends { prompt_length: number }> {
  private readonly workers: Promise<SampleWorkers> | undefined;
  /** Where the main thread puts the lines of the chunks it builds. */
  private readonly lineBuffers = new LineBuffers();

  constructor(
    private readonly config: MatrixConfig,
    private readonly deps: RunDeps,
    private readonly kind: SampleKind<R>,
  ) {
    const { numSamples } = config;
    const size = resolveRunWorkers(
      config.workers,
      numSamples < 0 ? Number.POSITIVE_INFINITY : numSamples,
      kind.worker,
    );
    const worker = kind.worker;
    if (size <= 1 || !worker) return;
    this.workers = SampleWorkers.start(worker.entry, {
      size,
      name: kind.name,
      init: { counter: counterShape(deps.counter), spec: worker.spec, identity: worker.identity },
      counter: deps.counter,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    // Awaited where it is used; a failed start is reported there, not as an unhandled rejection.
    this.workers.catch(() => {});
  }

  /** Whether a cell's samples are built by the workers. */
  private uses(cell: MatrixCell): boolean {
    return (
      this.workers !== undefined &&
      resolveRunWorkers(this.config.workers, cell.items.length, this.kind.worker) > 1
    );
  }

  /** Before a data set's first file: send the data set to the workers when a file of it uses them. */
  async prepare(cells: readonly MatrixCell[]): Promise<void> {
    const first = cells.find((c) => this.uses(c));
    if (first) await (await this.workers)?.load(first.dataset.source, first.dataset.corpus.docs);
  }

  /** The samples of a cell, chunk by chunk, in order. */
  async *chunks(cell: MatrixCell): AsyncGenerator<Chunk> {
    const { kind, deps } = this;
    const signal = deps.signal;
    const base = chunkSizeAt(kind.chunkSize ?? 32, cell.length);
    if (!this.uses(cell)) {
      const starts: number[] = [];
      for (let start = 0; start < cell.items.length; start += base) starts.push(start);
      // Two chunks at a time: while one waits on the tokenizer (a prompt re-counted in full takes the native
      // tokenizer 100+ ms at 32K), the other is built.
      const outs = pooledMap(
        2,
        starts,
        (start) => {
          const items = cell.items.slice(start, start + base);
          return synthesizeChunk((part) => kind.synthesize({ ...cell, items: part }), items, signal);
        },
        signal ? { signal } : {},
      );
      for await (const out of outs) {
        if ("failed" in out) throw new SampleError(cell.dataset.name, cell.length, out.failed, out.error);
        yield { samples: out.samples, ...this.lineBuffers.fill(out.lines) };
      }
      return;
    }
    const workers = (await this.workers) as SampleWorkers;
    await workers.load(cell.dataset.source, cell.dataset.corpus.docs);
    // Small enough that every worker gets several chunks of the file, so none idles at its end.
    const chunkSize = Math.max(1, Math.min(base, Math.ceil(cell.items.length / (4 * workers.size))));
    yield* workers.chunks(cell.dataset.source, cell.length, cell.items, chunkSize, signal);
  }

  async close(): Promise<void> {
    const workers = await this.workers?.catch(() => undefined);
    await workers?.close();
  }
}
