import type { QaRecord } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import { Rng } from "../rng.js";

/** One question to turn into a sample. */
export interface WindowItem {
  qa: QaRecord;
  /** Position of the question in the (filtered, possibly shuffled) question list. */
  sourceIndex: number;
  /** Position in the requested window: the record's `index`. */
  index: number;
}

export interface QuestionFilter {
  /** Keep only these source ids (the filtered data sets' id files), in source order. */
  ids?: ReadonlySet<string>;
  /** Keep questions with at least this many hops (MuSiQue's hard variant: 3). */
  minHops?: number;
  /** Shuffle with the run seed before windowing (the original's `--shuffle_qa`). */
  shuffle: boolean;
  seed: number;
}

/** The question list windows are cut from: filtered, then optionally shuffled. Positions are `source_index`. */
export function selectQuestions(qas: readonly QaRecord[], filter: QuestionFilter): QaRecord[] {
  let out = qas.filter(
    (q) =>
      (!filter.ids || filter.ids.has(q.id)) && (filter.minHops === undefined || q.hops >= filter.minHops),
  );
  if (filter.shuffle) out = Rng.derive("shuffle-qa", filter.seed).shuffle(out.slice());
  return out;
}

export interface WindowRequest {
  /** Samples per length; −1 = every question from `preSamples` on. */
  numSamples: number;
  preSamples: number;
  /** Position of the length in the matrix; with `disjoint`, window k starts at preSamples + k·numSamples. */
  lengthIndex: number;
  disjoint: boolean;
}

export interface Shard {
  /** 0-based shard index. */
  index: number;
  count: number;
}

/** Parse `i/n` (0-based i, e.g. `0/4`). */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count))
    throw new ConfigError(`Bad shard ${JSON.stringify(spec)}: expected i/n with 0 ≤ i < n, e.g. 0/4`);
  return { index, count };
}

/**
 * Questions one kind uses from its first window on, over all its lengths: `lengths × numSamples` with
 * disjoint windows, else `numSamples`. The one formula for where the next kind's (or round's) questions start.
 */
export function windowSpan(k: { lengths: number; numSamples: number; disjointWindows: boolean }): number {
  return k.disjointWindows ? k.lengths * k.numSamples : k.numSamples;
}

/** [start, end) of the question list used for one length. Throws when the list is too short. */
export function windowRange(total: number, req: WindowRequest): { start: number; end: number } {
  if (req.numSamples < 0) {
    if (req.disjoint && req.lengthIndex > 0)
      throw new ConfigError(
        "--num-samples -1 (all questions) cannot give disjoint windows for several lengths; give a number, or pass --no-disjoint-windows",
      );
    if (req.preSamples > total)
      throw new ConfigError(
        `--pre-samples ${req.preSamples} is past the end of the ${total} available questions`,
      );
    return { start: req.preSamples, end: total };
  }
  const start = req.preSamples + (req.disjoint ? req.lengthIndex * req.numSamples : 0);
  const end = start + req.numSamples;
  if (end > total)
    throw new ConfigError(
      `Requested questions [${start}, ${end}) but only ${total} are available after filtering` +
        (req.disjoint && req.lengthIndex > 0 ? " (each length takes its own disjoint window)" : ""),
    );
  return { start, end };
}

/** The part of a window one shard produces: a contiguous slice, so shards concatenated in order give the whole. */
export function shardRange(
  start: number,
  end: number,
  shard: Shard | undefined,
): { start: number; end: number } {
  if (!shard) return { start, end };
  const size = end - start;
  return {
    start: start + Math.floor((shard.index * size) / shard.count),
    end: start + Math.floor(((shard.index + 1) * size) / shard.count),
  };
}

export function windowItems(
  questions: readonly QaRecord[],
  windowStart: number,
  start: number,
  end: number,
): WindowItem[] {
  const items: WindowItem[] = [];
  for (let s = start; s < end; s++)
    items.push({ qa: questions[s] as QaRecord, sourceIndex: s, index: s - windowStart });
  return items;
}
