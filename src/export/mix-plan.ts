import { Rng } from "../rng.js";
import type { SplitPlan } from "./splits.js";

/** One source of a mix, as the plan sees it: each row's question id and the training rows it gives. */
export interface MixSourceIds {
  /** Question id of each row, in file order. */
  ids: readonly string[];
  /** Training rows: the first `count` rows (0 ≤ count ≤ ids.length). */
  count: number;
}

/** Resolved options of {@link planMix}. */
export interface MixPlanOptions {
  /** Most test rows over all sources; undefined = min(rows eligible for test, training rows). */
  testSize?: number;
  /** Most valid rows over all sources. */
  validSize: number;
  /** Seed of the valid draw and of the row order. */
  seed: number;
}

/** Each source's rows per split (0-based, ascending, as {@link SplitPlan}), and the order rows are written. */
export interface MixPlan {
  sources: SplitPlan[];
  /**
   * The source of each written row, in writing order: a seeded uniform shuffle of the multiset holding source
   * `i` once per row it writes. Writing takes, for each entry, the next written row of that source in file
   * order, so every split interleaves its sources at random while each source's rows keep file order.
   */
  order: number[];
}

/** Rows of one question id outside every training slice: they go to one split together. */
type Group = { source: number; row: number }[];

/**
 * `total` shared in proportion to `weights` by largest remainder (Hamilton): each share is ⌊total·wᵢ/W⌋, and
 * the units left go to the largest remainders, ties to the earlier weight. The shares sum to `total`.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (!(Number.isSafeInteger(total) && total >= 0) || !(sum > 0) || weights.some((w) => !(w >= 0)))
    throw new RangeError(
      `apportion: need an integer total ≥ 0 and weights ≥ 0 with a positive sum, got ${total} over [${weights.join(", ")}]`,
    );
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  const remainders = weights.map((w, i) => total * w - (shares[i] as number) * sum);
  const left = total - shares.reduce((a, s) => a + s, 0);
  const byRemainder = weights
    .map((_, i) => i)
    .sort((a, b) => (remainders[b] as number) - (remainders[a] as number) || a - b);
  for (const i of byRemainder.slice(0, left)) shares[i] = (shares[i] as number) + 1;
  return shares;
}

/**
 * Choose the train, test and valid rows of a mix so that no question id is in two splits, across all sources.
 *
 * - train: the first `count` rows of each source. A question may train in several sources.
 * - Every other row whose id trains in any source is withheld (written nowhere).
 * - The remaining rows of all sources form groups by id (a group may span sources), ordered by first row:
 *   source by source, in file order. The test size (default min(those rows, training rows)) is shared among
 *   the sources in proportion to their training rows ({@link apportion}); test takes groups in order, each
 *   whole and only when every source's rows in it still fit in that source's share.
 * - valid takes groups the same way, with the valid size shared the same way, from what test left, in an
 *   order shuffled by `Rng.derive("export-valid", seed)`.
 * - A source with fewer eligible rows than its share leaves it unfilled: the splits keep the mix's
 *   proportions rather than their sizes.
 *
 * With one source this is {@link import("./splits.js").planSplits} of the slice `[0, count)`.
 */
export function planMix(sources: readonly MixSourceIds[], options: MixPlanOptions): MixPlan {
  sources.forEach((s, i) => {
    if (!(Number.isSafeInteger(s.count) && 0 <= s.count && s.count <= s.ids.length))
      throw new RangeError(`planMix: source ${i} needs 0 ≤ count ≤ ${s.ids.length}, got ${s.count}`);
  });
  const trainIds = new Set<string>();
  for (const s of sources) for (let r = 0; r < s.count; r++) trainIds.add(s.ids[r] as string);
  const plans: SplitPlan[] = sources.map((s) => ({
    train: Array.from({ length: s.count }, (_, r) => r),
    test: [],
    valid: [],
    withheld: [],
  }));
  const groups = new Map<string, Group>();
  sources.forEach((s, source) => {
    for (let row = s.count; row < s.ids.length; row++) {
      const id = s.ids[row] as string;
      if (trainIds.has(id)) {
        plans[source]?.withheld.push(row);
        continue;
      }
      const g = groups.get(id);
      if (g) g.push({ source, row });
      else groups.set(id, [{ source, row }]);
    }
  });
  const leftover = [...groups.values()];
  const leftoverRows = leftover.reduce((n, g) => n + g.length, 0);
  const trainRows = sources.reduce((n, s) => n + s.count, 0);
  // Shares follow the training rows (equal shares when no source trains).
  const weights = sources.map((s) => (trainRows === 0 ? 1 : s.count));
  const share = (size: number) => (sources.length === 0 ? [] : apportion(size, weights));
  const { taken: test, rest } = fill(leftover, share(options.testSize ?? Math.min(leftoverRows, trainRows)));
  const { taken: valid } = fill(
    Rng.derive("export-valid", options.seed).shuffle(rest),
    share(options.validSize),
  );
  for (const [split, taken] of [
    ["test", test],
    ["valid", valid],
  ] as const)
    for (const g of taken) for (const m of g) plans[m.source]?.[split].push(m.row);
  const order: number[] = [];
  plans.forEach((p, source) => {
    for (let k = p.train.length + p.test.length + p.valid.length; k > 0; k--) order.push(source);
  });
  for (const p of plans) {
    p.test.sort(byNumber);
    p.valid.sort(byNumber);
  }
  return { sources: plans, order: Rng.derive("export-mix-order", options.seed).shuffle(order) };
}

/** Take whole groups, in order, while each source's rows fit in its cap; the groups not taken keep order. */
function fill(groups: readonly Group[], caps: readonly number[]): { taken: Group[]; rest: Group[] } {
  const used = caps.map(() => 0);
  const taken: Group[] = [];
  const rest: Group[] = [];
  for (const g of groups) {
    const need = caps.map(() => 0);
    for (const m of g) need[m.source] = (need[m.source] as number) + 1;
    if (need.every((k, i) => (used[i] as number) + k <= (caps[i] as number))) {
      taken.push(g);
      need.forEach((k, i) => {
        used[i] = (used[i] as number) + k;
      });
    } else rest.push(g);
  }
  return { taken, rest };
}

function byNumber(a: number, b: number): number {
  return a - b;
}
