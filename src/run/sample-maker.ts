/**
 * What a kind of sample (plain, KeyChain) is to the runner and to its worker threads: a maker built from plain
 * data (the kind's spec and a token counter) the same way on every thread, that turns a data set's questions
 * into samples a chunk at a time; and how a chunk's samples travel: as their JSONL lines' bytes, in order.
 */
import type { SizedCorpus } from "../compose/sized-corpus.js";
import type { QaRecord } from "../corpus/types.js";
import { KeychainError } from "../errors.js";
import { jsonLineParts, type SharedText } from "../io/json-line.js";
import type { Framing } from "../prompt/framing.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { WindowItem } from "./windows.js";

/** A data set as a maker sees it, on the main thread or in a worker. */
export interface SampleSource {
  /** The data set's name: part of every sample's seed. */
  name: string;
  sized: SizedCorpus;
  /** Every question of the corpus (distractor questions are drawn from all of them). */
  qas: readonly QaRecord[];
}

export type SampleResult<R> =
  | {
      kind: "sample";
      record: R;
      verified: boolean;
      /** Long strings that occur more than once in the record (a context and the prompt around it). */
      shared?: readonly SharedText[];
    }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

/** Makes one kind's samples; what it learns (caches) it keeps between calls. */
export interface SampleMaker<R> {
  /**
   * What must be the same on every thread for the samples to be (chat template and its hash, system message):
   * a worker whose maker says otherwise is refused.
   */
  readonly identity: string;
  /** The samples of `items` (questions of `source`) at sequence length `length`, in order. */
  synthesize(
    source: SampleSource,
    length: number,
    items: readonly WindowItem[],
  ): AsyncIterable<SampleResult<R>>;
}

/**
 * The synthesizer of the last (source, length) a maker was asked for: chunks of one file come one after
 * another, so a maker keeps one and builds the next when the file changes.
 */
export class LastSynthesizer<S> {
  private last: { source: SampleSource; length: number; synth: S } | undefined;

  constructor(private readonly build: (source: SampleSource, length: number) => S) {}

  for(source: SampleSource, length: number): S {
    const l = this.last;
    if (l && l.source === source && l.length === length) return l.synth;
    const synth = this.build(source, length);
    this.last = { source, length, synth };
    return synth;
  }
}

/** The identity of a prompt framing (system message, chat template and its hash): a maker's, usually. */
export function framingIdentity(framing: Framing): string {
  return JSON.stringify({
    system: framing.system ?? null,
    chat_template: framing.chatTemplate.name,
    chat_template_hash: framing.chatTemplate.hash,
  });
}

/**
 * Questions per chunk at sequence length `length`: the kind's `base`, fewer at long lengths so a chunk holds
 * about 2^20 tokens of samples at most (a chunk's records and lines are all in memory at once).
 */
export function chunkSizeAt(base: number, length: number): number {
  return Math.max(1, Math.min(base, Math.floor(2 ** 20 / length)));
}

/** How a kind's worker entry builds its maker: from the kind's spec and the worker's own counter. */
export type SampleMakerFactory<R> = (spec: unknown, counter: TokenCounter) => Promise<SampleMaker<R>>;

/** A written sample as the runner counts it, without its record (that is in the chunk's lines). */
export type ChunkSample =
  | { kind: "sample"; promptLength: number; verified: boolean }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

/** The samples of a chunk of questions: their summaries, and their JSONL lines as the file's bytes. */
export interface Chunk {
  samples: ChunkSample[];
  /**
   * One line (JSON + "\n", UTF-8) per written sample, in order, in one buffer (shared with the worker that
   * filled it, if one did): the main thread writes it with one call.
   */
  bytes: Uint8Array;
  /** Gives the buffer of `bytes` back to be filled again: called once they are written. */
  release?: () => void;
}

/** A chunk as {@link synthesizeChunk} builds it: its lines are the parts of their bytes, in order, uncopied. */
export interface BuiltChunk {
  samples: ChunkSample[];
  lines: Uint8Array[];
}

/** A chunk that failed, with the first question that fails on its own. */
export interface FailedChunk {
  failed: { index: number; sourceIndex: number; id: string };
  error: unknown;
}

/**
 * Make the samples of `items` with `synthesize` and serialise them. When that throws, each question is tried
 * on its own to find the one that fails (every sample depends on its own question only), so the error can
 * name it; when none fails alone, the first question of the chunk is named. An abort is rethrown as it is.
 */
export async function synthesizeChunk<R>(
  synthesize: (items: readonly WindowItem[]) => AsyncIterable<SampleResult<R>>,
  items: readonly WindowItem[],
  signal?: AbortSignal,
): Promise<BuiltChunk | FailedChunk> {
  try {
    const samples: ChunkSample[] = [];
    const lines: Uint8Array[] = [];
    for await (const r of synthesize(items)) {
      signal?.throwIfAborted();
      if (r.kind === "skip") samples.push(r);
      else {
        // Encoded at once, so that the record and its JSON text are garbage before the next sample.
        for (const part of jsonLineParts(r.record, r.shared)) lines.push(part);
        const promptLength = (r.record as { prompt_length: number }).prompt_length;
        samples.push({ kind: "sample", promptLength, verified: r.verified });
      }
    }
    return { samples, lines };
  } catch (error) {
    if (signal?.aborted) throw error;
    const first = items[0] as WindowItem;
    let failed = first;
    let cause = error;
    if (items.length > 1)
      for (const item of items) {
        try {
          for await (const _ of synthesize([item])) signal?.throwIfAborted();
        } catch (e) {
          if (signal?.aborted) throw e;
          failed = item;
          cause = e;
          break;
        }
      }
    return {
      failed: { index: failed.index, sourceIndex: failed.sourceIndex, id: failed.qa.id },
      error: cause,
    };
  }
}

/**
 * A sample could not be built: names the data set, the length, the sample (`index` in the file's window,
 * `sourceIndex` in the question list, the question's id) and the cause. Its exit code is the cause's (a
 * ConfigError's 2), or 70 for a cause outside the library's errors (a bug).
 */
export class SampleError extends KeychainError {
  override name = "SampleError";
  override readonly exitCode: number;

  constructor(
    readonly dataset: string,
    readonly length: number,
    readonly sample: { index: number; sourceIndex: number; id: string },
    cause: unknown,
  ) {
    const why = cause instanceof KeychainError ? cause.message : describe(cause);
    super(
      `Cannot build sample ${sample.index} of "${dataset}" at length ${length} (source index ${sample.sourceIndex}, id ${JSON.stringify(sample.id)}): ${why}`,
      { cause },
    );
    this.exitCode = cause instanceof KeychainError ? cause.exitCode : 70;
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return `${e.name}: ${e.message}`;
}
