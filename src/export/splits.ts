import { Rng } from "../rng.js";

/** Resolved split options (every default filled in except the two that depend on the data). */
export interface SplitOptions {
  /** First row of the training slice (0-based, inclusive). */
  start: number;
  /** End of the training slice (exclusive); must be ≥ start and ≤ the number of rows. */
  end: number;
  /** Most rows in test; undefined = min(rows left after train, train rows). */
  testSize?: number;
  /** Most rows in valid. */
  validSize: number;
  /** Seed of the draw of valid. */
  seed: number;
}

/** Row indices (0-based, ascending) of each split. */
export interface SplitPlan {
  train: number[];
  test: number[];
  valid: number[];
  /** Rows outside the training slice whose question id also occurs inside it: in no split. */
  withheld: number[];
}

/**
 * Choose train, test and valid rows so that no question id is in two splits.
 *
 * - train: exactly the rows `[start, end)` (the original's `--start_index/--end_index`).
 * - Every other row whose id occurs in train is withheld (written nowhere), so a file that repeats a question
 *   (e.g. several lengths concatenated) cannot leak it into test or valid.
 * - The remaining rows form groups by id, ordered by first row. test takes groups in that order (as the
 *   original takes the leftover in file order), each group whole and only when it still fits in `testSize`.
 * - valid takes groups the same way from what test left, in an order shuffled by `Rng.derive("export-valid",
 *   seed)`, up to `validSize` rows.
 */
export function planSplits(ids: readonly string[], options: SplitOptions): SplitPlan {
  const { start, end } = options;
  if (
    !(
      Number.isSafeInteger(start) &&
      Number.isSafeInteger(end) &&
      0 <= start &&
      start <= end &&
      end <= ids.length
    )
  )
    throw new RangeError(`planSplits: need 0 ≤ start ≤ end ≤ ${ids.length}, got [${start}, ${end})`);
  const train: number[] = [];
  const trainIds = new Set<string>();
  for (let i = start; i < end; i++) {
    train.push(i);
    trainIds.add(ids[i] as string);
  }
  const withheld: number[] = [];
  const groups = new Map<string, number[]>();
  ids.forEach((id, i) => {
    if (i >= start && i < end) return;
    if (trainIds.has(id)) {
      withheld.push(i);
      return;
    }
    const g = groups.get(id);
    if (g) g.push(i);
    else groups.set(id, [i]);
  });
  const leftover = [...groups.values()];
  const leftoverRows = leftover.reduce((n, g) => n + g.length, 0);
  const testCap = options.testSize ?? Math.min(leftoverRows, train.length);
  const { taken: test, rest } = fill(leftover, testCap);
  const { taken: valid } = fill(Rng.derive("export-valid", options.seed).shuffle(rest), options.validSize);
  return { train, test: test.sort(byNumber), valid: valid.sort(byNumber), withheld };
}

/** Take whole groups, in order, while they fit in `cap` rows; the groups not taken keep their order. */
function fill(groups: readonly number[][], cap: number): { taken: number[]; rest: number[][] } {
  const taken: number[] = [];
  const rest: number[][] = [];
  for (const g of groups) {
    if (taken.length + g.length <= cap) taken.push(...g);
    else rest.push(g);
  }
  return { taken, rest };
}

function byNumber(a: number, b: number): number {
  return a - b;
}
