import type { TokenCounter } from "../tokenizer/types.js";
import type { PassageLayout } from "./layout.js";
import { renderHeader } from "./layout.js";

/**
 * A corpus's documents with their token counts under one tokenizer and layout, plus the indexes the budget
 * fitter needs: documents sorted by size (for best-fit filling) and prefix sums of header counts
 * (`headerPrefix[n]` = tokens of the headers of passages 1..n).
 */
export class SizedCorpus {
  readonly docs: readonly string[];
  /** `units[d]` = tokens of `docs[d] + layout.separator`. */
  readonly units: Uint32Array;
  /** Doc ids sorted by ascending unit count (ties by id). */
  readonly bySize: Uint32Array;
  /** `sortedUnits[i] = units[bySize[i]]`. */
  readonly sortedUnits: Uint32Array;
  readonly layout: PassageLayout;
  /** Σ units: every document of the corpus once. */
  readonly totalTokens: number;
  private headerPrefix: Float64Array = new Float64Array([0]);

  constructor(docs: readonly string[], units: Uint32Array, layout: PassageLayout) {
    this.docs = docs;
    this.units = units;
    this.layout = layout;
    const ids = new Uint32Array(units.length);
    for (let i = 0; i < ids.length; i++) ids[i] = i;
    const order = Array.from(ids).sort((a, b) => (units[a] as number) - (units[b] as number) || a - b);
    this.bySize = Uint32Array.from(order);
    this.sortedUnits = Uint32Array.from(order, (d) => units[d] as number);
    let total = 0;
    for (const u of units) total += u;
    this.totalTokens = total;
  }

  /** Tokens of headers 1..n. `ensureHeaders(n)` must have been awaited first. */
  headers(n: number): number {
    const v = this.headerPrefix[n];
    if (v === undefined)
      throw new RangeError(`header counts known up to ${this.headerPrefix.length - 1}, asked ${n}`);
    return v;
  }

  get headersKnown(): number {
    return this.headerPrefix.length - 1;
  }

  /** Count headers up to passage n (once; later calls only extend). */
  async ensureHeaders(n: number, counter: TokenCounter): Promise<void> {
    const known = this.headersKnown;
    if (n <= known) return;
    const texts: string[] = [];
    for (let k = known + 1; k <= n; k++) texts.push(renderHeader(this.layout, k));
    const counts = await counter.countBatch(texts);
    const next = new Float64Array(n + 1);
    next.set(this.headerPrefix);
    for (let k = known + 1; k <= n; k++)
      next[k] = (next[k - 1] as number) + (counts[k - known - 1] as number);
    this.headerPrefix = next;
  }

  /** An upper bound on how many passages fit in `budget` tokens (every passage costs ≥ 1 + smallest doc). */
  maxPassages(budget: number): number {
    const smallest = this.sortedUnits.length > 0 ? (this.sortedUnits[0] as number) : 1;
    return Math.min(this.docs.length, Math.floor(budget / Math.max(1, smallest + 1)) + 1);
  }

  /** Number of documents whose unit count is ≤ `tokens` (binary search). */
  countAtMost(tokens: number): number {
    let lo = 0;
    let hi = this.sortedUnits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sortedUnits[mid] as number) <= tokens) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
