/** Summary of a list of token lengths. All zero when the list is empty. */
export interface LengthStats {
  min: number;
  mean: number;
  /** Nearest-rank median: the ⌈n/2⌉-th smallest length. */
  p50: number;
  /** Nearest-rank 95th percentile: the ⌈0.95·n⌉-th smallest length. */
  p95: number;
  max: number;
}

/** Min, mean, nearest-rank p50 / p95 and max of `lengths`. */
export function lengthStats(lengths: readonly number[]): LengthStats {
  if (lengths.length === 0) return { min: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  const sorted = [...lengths].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  const sum = sorted.reduce((s, n) => s + n, 0);
  return {
    min: sorted[0] ?? 0,
    mean: sum / sorted.length,
    p50: rank(0.5),
    p95: rank(0.95),
    max: sorted[sorted.length - 1] ?? 0,
  };
}
