/**
 * The pure core of the question filter (reference §7.3, §7.4, §8.4): pass counts from scored rollout rows,
 * pass-count bands, and histograms.
 */
import { ConfigError } from "../errors.js";
import { cem, extractFirstAnswerIs } from "../scoring/index.js";

/**
 * - `"cem"`: the original filter's rule (§7.3): the text after the FIRST "the answer is", scored with the
 *   one-way CEM in compat mode (prediction ⊆ gold, SQuAD normalisation, aliases ignored).
 * - `"sub_em"`: the rollout's default-mode sub_em on the text after the LAST "the answer is" (aliases count).
 */
export type FilterMetric = "cem" | "sub_em";
export const FILTER_METRICS: readonly FilterMetric[] = ["cem", "sub_em"];

/** An inclusive pass-count band, e.g. `1-6`. */
export interface Band {
  min: number;
  max: number;
}

/** The parts of a rollout output row the filter reads. */
export interface ScoredRow {
  id: string;
  answers: readonly string[];
  trajectories: readonly { text: string; is_correct: 0 | 1 }[];
}

/** Number of samples of `row` that score 1 under `metric`. */
export function passCount(row: ScoredRow, metric: FilterMetric): number {
  if (metric === "sub_em") return row.trajectories.reduce((s, t) => s + t.is_correct, 0);
  return row.trajectories.reduce(
    (s, t) => s + cem(extractFirstAnswerIs(t.text), row.answers, { mode: "compat" }),
    0,
  );
}

/** Parses `a-b` (or a single `a`) into an inclusive band within 0..n. */
export function parseBand(text: string, n: number, flag = "--keep"): Band {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(text);
  if (m === null)
    throw new ConfigError(`${flag} expects a band "a-b" such as "1-6", got ${JSON.stringify(text)}`);
  const min = Number(m[1]);
  const max = Number(m[2] ?? m[1]);
  if (min > max)
    throw new ConfigError(`${flag} ${JSON.stringify(text)}: the lower end ${min} exceeds ${max}`);
  if (max > n) throw new ConfigError(`${flag} ${JSON.stringify(text)}: pass counts only go up to n = ${n}`);
  return { min, max };
}

export function inBand(count: number, band: Band): boolean {
  return count >= band.min && count <= band.max;
}

/** Questions per pass count, index 0..n. */
export function histogram(counts: readonly number[], n: number): number[] {
  const h = Array.from({ length: n + 1 }, () => 0);
  for (const c of counts) h[c] = (h[c] ?? 0) + 1;
  return h;
}

/** The histogram as text: one `pass k/n: count (pct%)` line per pass count, then the total. */
export function formatHistogram(h: readonly number[], title = "pass counts"): string {
  const n = h.length - 1;
  const total = h.reduce((s, x) => s + x, 0);
  const width = String(total).length;
  const lines = h.map((count, k) => {
    const pct = total > 0 ? ((100 * count) / total).toFixed(1) : "0.0";
    return `  ${String(k).padStart(String(n).length)}/${n}: ${String(count).padStart(width)} (${pct}%)`;
  });
  return `${title}\n${lines.join("\n")}\n  total: ${total}\n`;
}
