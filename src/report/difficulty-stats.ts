/**
 * Rollout difficulty against the shape of the task: pass rate by where the evidence sits in the context
 * (relative depth), and, for KeyChain rollouts, by hops and by chains. Fed by the same single pass over the
 * rollout files as {@link import("./rollout-stats.js").RolloutAccumulator}.
 */
import type { FieldReader } from "../corpus/fields.js";
import { DEPTH_BINS, unitBin } from "./distribution.js";
import { arrayOf, NUMBER, optional, STRING } from "./field-checks.js";
import type { GroupKind } from "./group-kind.js";
import { trueChainPairDepths } from "./keychain-stats.js";
import type { TrajectoryScores } from "./rollout-stats.js";

/** Prompts in one cell and their mean pass rate; `passRate` is `null` when the cell has no prompts. */
export interface PassCell {
  prompts: number;
  passRate: number | null;
}

/** The prompts with one value of a count (hops, chains) and their mean pass rate. */
export interface PassByValue {
  value: number;
  prompts: number;
  passRate: number;
}

export interface DifficultyStats {
  /**
   * Per relative-depth bin (10 equal bins of [0, 1]): the prompts with evidence there and their mean pass rate
   * (correct / trajectories, averaged over prompts). A prompt counts once in every bin that holds at least one
   * piece of its evidence, so the cells' prompts add up to `placed` or more.
   */
  depth: PassCell[];
  /** Prompts in {@link depth}: with trajectories and at least one evidence depth. */
  placed: number;
  /** Prompts left out of {@link depth}: no trajectories, or no evidence depth (see {@link DifficultyRow.depths}). */
  unplaced: number;
  /** KeyChain rollouts: true-chain pairs not found in `distractor_context` (should be 0). */
  chainPairsMissing: number;
  /** KeyChain rollouts with `hops`: pass rate per number of hops, ascending; empty for plain rollouts. */
  byHops: PassByValue[];
  /** KeyChain rollouts with `num_chains`: pass rate per number of chains, ascending; empty for plain rollouts. */
  byChains: PassByValue[];
}

/** What {@link DifficultyAccumulator} counts of one rollout record. */
export interface DifficultyRow {
  /** Correct trajectories / trajectories; `undefined` without trajectories. */
  passRate: number | undefined;
  /**
   * Relative depths in [0, 1] of the record's evidence. Plain: one per gold document,
   * (gold_position − 0.5) / num_docs. KeyChain: one per true-chain pair found in `distractor_context` (the
   * question pair included), char offset / context length. Empty when the record carries no positions.
   */
  depths: number[];
  /** KeyChain pairs not found in the context. */
  pairsMissing: number;
  hops: number | undefined;
  chains: number | undefined;
}

/** The pass rate of a rollout record: correct trajectories / trajectories, `undefined` without trajectories. */
export function passRateOf(trajectories: readonly TrajectoryScores[]): number | undefined {
  if (trajectories.length === 0) return undefined;
  let correct = 0;
  for (const t of trajectories) correct += t.isCorrect;
  return correct / trajectories.length;
}

/**
 * Reads the {@link DifficultyRow} of a rollout record over a `kind` record. The position fields are optional
 * (rollouts of filter records may lack them); present but malformed, they are an InputError naming the field.
 */
export function readDifficultyRow(
  r: Record<string, unknown>,
  f: FieldReader,
  kind: GroupKind,
  trajectories: readonly TrajectoryScores[],
): DifficultyRow {
  const row: DifficultyRow = {
    passRate: passRateOf(trajectories),
    depths: [],
    pairsMissing: 0,
    hops: undefined,
    chains: undefined,
  };
  if (kind === "plain") {
    const numDocs = optional(f, r.num_docs, "num_docs", NUMBER);
    const positions = optionalArray(f, r.gold_positions, "gold_positions");
    if (numDocs !== undefined && numDocs > 0 && positions !== undefined)
      row.depths = positions.map((p) => (p - 0.5) / numDocs);
    return row;
  }
  row.hops = optional(f, r.hops, "hops", NUMBER);
  row.chains = optional(f, r.num_chains, "num_chains", NUMBER);
  if (r.chain !== undefined && r.chain !== null) {
    const found = trueChainPairDepths({
      chain: arrayOf(f, r.chain, "chain", STRING),
      question: f.expect(r.input, "input", STRING),
      context: f.expect(r.distractor_context, "distractor_context", STRING),
    });
    for (const d of found) {
      if (d === null) row.pairsMissing++;
      else row.depths.push(d);
    }
  }
  return row;
}

/** `undefined` when absent or `null`, else an array of numbers. */
function optionalArray(f: FieldReader, value: unknown, field: string): number[] | undefined {
  return value === undefined || value === null ? undefined : arrayOf(f, value, field, NUMBER);
}

/** Prompts and the sum of their pass rates. */
interface Tally {
  prompts: number;
  sum: number;
}

/** The {@link DifficultyStats} of one group, one rollout record at a time. */
export class DifficultyAccumulator {
  private records = 0;
  private placed = 0;
  private chainPairsMissing = 0;
  private readonly depth: Tally[] = Array.from({ length: DEPTH_BINS }, () => ({ prompts: 0, sum: 0 }));
  private readonly hops = new Map<number, Tally>();
  private readonly chains = new Map<number, Tally>();

  add(row: DifficultyRow): void {
    this.records++;
    this.chainPairsMissing += row.pairsMissing;
    const rate = row.passRate;
    if (rate === undefined) return;
    if (row.hops !== undefined) tally(this.hops, row.hops, rate);
    if (row.chains !== undefined) tally(this.chains, row.chains, rate);
    if (row.depths.length === 0) return;
    this.placed++;
    for (const bin of new Set(row.depths.map((d) => unitBin(d, DEPTH_BINS)))) {
      const cell = this.depth[bin] as Tally;
      cell.prompts++;
      cell.sum += rate;
    }
  }

  /** `null` without rollout records. */
  finish(): DifficultyStats | null {
    if (this.records === 0) return null;
    return {
      depth: this.depth.map((c) => ({
        prompts: c.prompts,
        passRate: c.prompts > 0 ? c.sum / c.prompts : null,
      })),
      placed: this.placed,
      unplaced: this.records - this.placed,
      chainPairsMissing: this.chainPairsMissing,
      byHops: byValue(this.hops),
      byChains: byValue(this.chains),
    };
  }
}

function tally(map: Map<number, Tally>, value: number, rate: number): void {
  let t = map.get(value);
  if (t === undefined) {
    t = { prompts: 0, sum: 0 };
    map.set(value, t);
  }
  t.prompts++;
  t.sum += rate;
}

function byValue(map: ReadonlyMap<number, Tally>): PassByValue[] {
  return [...map.entries()]
    .sort(([a], [b]) => a - b)
    .map(([value, t]) => ({ value, prompts: t.prompts, passRate: t.sum / t.prompts }));
}
