import type { TokenCounter } from "../tokenizer/types.js";
import {
  type Documents,
  EscapedDocuments,
  type EscapedDocumentsParts,
  type SharedDocumentsParts,
} from "./documents.js";
import type { PassageLayout } from "./layout.js";
import { renderHeader } from "./layout.js";

/**
 * What a worker thread needs to rebuild a {@link SizedCorpus} without copying it: the documents and every
 * index in shared memory (see {@link SizedCorpus.shared}).
 */
export interface SharedSizedCorpus {
  docs: SharedDocumentsParts;
  escaped?: EscapedDocumentsParts;
  units: SharedArrayBuffer;
  bySize: SharedArrayBuffer;
  sortedUnits: SharedArrayBuffer;
  layout: PassageLayout;
  totalTokens: number;
}

/**
 * A corpus's documents with their token counts under one tokenizer and layout, plus the indexes the budget
 * fitter needs: documents sorted by size (for best-fit filling) and prefix sums of header counts
 * (`headerPrefix[n]` = tokens of the headers of passages 1..n). The counts and indexes live in shared memory,
 * so worker threads use them as they are.
 */
export class SizedCorpus {
  readonly docs: Documents;
  /** `units[d]` = tokens of `docs[d] + layout.separator`. */
  readonly units: Uint32Array;
  /** Doc ids sorted by ascending unit count (ties by id). */
  readonly bySize: Uint32Array;
  /** `sortedUnits[i] = units[bySize[i]]`. */
  readonly sortedUnits: Uint32Array;
  readonly layout: PassageLayout;
  /** The documents as they are inside a JSON string, when the corpus was given them (samples copy them). */
  readonly escaped: EscapedDocuments | undefined;
  /** Σ units: every document of the corpus once. */
  readonly totalTokens: number;
  private headerPrefix: Float64Array = new Float64Array([0]);

  /**
   * `index` is given by {@link fromShared} (a worker's view of indexes built once); otherwise the indexes are
   * built here. `escaped` are `docs` as they are inside a JSON string ({@link EscapedDocuments}).
   */
  constructor(
    docs: Documents,
    units: Uint32Array,
    layout: PassageLayout,
    extra: {
      index?: { bySize: Uint32Array; sortedUnits: Uint32Array; totalTokens: number };
      escaped?: EscapedDocuments;
    } = {},
  ) {
    this.docs = docs;
    this.units = units.buffer instanceof SharedArrayBuffer ? units : sharedCopy(units);
    this.layout = layout;
    this.escaped = extra.escaped;
    const { index } = extra;
    if (index) {
      this.bySize = index.bySize;
      this.sortedUnits = index.sortedUnits;
      this.totalTokens = index.totalTokens;
      return;
    }
    const order = Array.from({ length: units.length }, (_, i) => i).sort(
      (a, b) => (units[a] as number) - (units[b] as number) || a - b,
    );
    this.bySize = sharedCopy(order);
    this.sortedUnits = sharedCopy(order.map((d) => units[d] as number));
    let total = 0;
    for (const u of units) total += u;
    this.totalTokens = total;
  }

  /** A sized corpus over shared parts (a worker's view of the main thread's), with nothing recomputed. */
  static fromShared(s: SharedSizedCorpus, docs: Documents): SizedCorpus {
    return new SizedCorpus(docs, new Uint32Array(s.units), s.layout, {
      index: {
        bySize: new Uint32Array(s.bySize),
        sortedUnits: new Uint32Array(s.sortedUnits),
        totalTokens: s.totalTokens,
      },
      ...(s.escaped ? { escaped: new EscapedDocuments(s.escaped) } : {}),
    });
  }

  /**
   * The escaped forms of the documents `order` (views, not copies), or undefined when the corpus has none or
   * one of them may not be joined with its neighbours ({@link EscapedDocuments.at}).
   */
  escapedBodies(order: readonly number[]): Uint8Array[] | undefined {
    const escaped = this.escaped;
    if (!escaped) return undefined;
    const bodies: Uint8Array[] = [];
    for (const id of order) {
      const body = escaped.at(id);
      if (!body) return undefined;
      bodies.push(body);
    }
    return bodies;
  }

  /** This corpus with its documents' escaped forms (its indexes shared, not rebuilt). */
  withEscaped(escaped: EscapedDocuments): SizedCorpus {
    const index = { bySize: this.bySize, sortedUnits: this.sortedUnits, totalTokens: this.totalTokens };
    return new SizedCorpus(this.docs, this.units, this.layout, { index, escaped });
  }

  /** The shared parts of this corpus, given its documents in shared memory. */
  shared(docs: SharedDocumentsParts): SharedSizedCorpus {
    return {
      docs,
      ...(this.escaped ? { escaped: this.escaped.parts } : {}),
      units: this.units.buffer as SharedArrayBuffer,
      bySize: this.bySize.buffer as SharedArrayBuffer,
      sortedUnits: this.sortedUnits.buffer as SharedArrayBuffer,
      layout: this.layout,
      totalTokens: this.totalTokens,
    };
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

/** `values` as a Uint32Array in shared memory (workers read it without a copy). */
function sharedCopy(values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(4 * values.length));
  for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  return out;
}
