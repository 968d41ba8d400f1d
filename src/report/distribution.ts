/** Small pure summaries of number lists: nearest-rank quantiles and fixed-width histograms. */

/** Count, extremes, mean and nearest-rank percentiles of a list of numbers. */
export interface Summary {
  count: number;
  min: number;
  p5: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of sorted values: the value at rank ⌈p·n⌉ (1-based), so p50 of [1, 2, 3, 4] is 2 and
 * every percentile is a value that occurs in the data.
 */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("nearestRank: no values");
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

/** The {@link Summary} of `values`, or `null` when there are none. Does not modify `values`. */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const v of list) sum += v;
  return {
    count: list.length,
    min: list[0] as number,
    p5: nearestRank(list, 0.05),
    p50: nearestRank(list, 0.5),
    p95: nearestRank(list, 0.95),
    max: list[list.length - 1] as number,
    mean: sum / list.length,
  };
}

/** Bin of a relative position in [0, 1] among `bins` equal bins; 1 falls in the last bin. */
export function unitBin(x: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(x * bins)));
}

/** Number of bins of the depth histograms (gold documents, chain pairs, SFT f1). */
export const DEPTH_BINS = 10;

/** Adds one to `counts[i]` (a bin past the end counts from 0). */
export function bump(counts: number[], i: number): void {
  counts[i] = (counts[i] ?? 0) + 1;
}
