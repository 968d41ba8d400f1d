import { joinsUnchanged } from "../io/json-line.js";

/**
 * The documents a sized corpus draws from, by id: a plain string array on the thread that read the corpus, or
 * one UTF-8 `SharedArrayBuffer` with an offsets table in worker threads, decoded per document on demand, so a
 * corpus of 800k documents reaches every worker once and is never copied into each worker's heap.
 */

/** Documents by id. A `readonly string[]` is one. */
export interface Documents {
  readonly length: number;
  /** The document with this id (`undefined` only out of range). */
  at(id: number): string | undefined;
}

/** What a worker needs to rebuild a {@link SharedDocuments}: both buffers are shared, never copied. */
export interface SharedDocumentsParts {
  /** Every document's UTF-8 bytes, one after another. */
  bytes: SharedArrayBuffer;
  /** `length + 1` byte offsets (Float64: totals past 4 GiB stay exact): document d is `[offsets[d], offsets[d+1])`. */
  offsets: SharedArrayBuffer;
  /**
   * Documents UTF-8 cannot hold (a lone surrogate, which it would turn into U+FFFD), by id, as strings; their
   * bytes above are empty. Rare: a data set's JSON may escape one (`"\ud800"`).
   */
  irregular?: [number, string][];
}

/** A surrogate that is not half of a pair (with `u`, a pair is one code point and never matches). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Decoded documents kept per table: the ones a sample uses are read several times in a row. */
const CACHE_SLOTS = 4096;

/** Documents in shared memory, decoded on demand; a small direct-mapped cache keeps recent ones. */
export class SharedDocuments implements Documents {
  readonly length: number;
  private readonly bytes: Buffer;
  private readonly offsets: Float64Array;
  private readonly cachedIds = new Int32Array(CACHE_SLOTS).fill(-1);
  private readonly cached = new Array<string>(CACHE_SLOTS);
  private readonly irregular: Map<number, string>;

  constructor(readonly parts: SharedDocumentsParts) {
    this.bytes = Buffer.from(parts.bytes);
    this.offsets = new Float64Array(parts.offsets);
    this.length = this.offsets.length - 1;
    this.irregular = new Map(parts.irregular);
  }

  /** The documents of `docs`, encoded once into shared memory. */
  static from(docs: readonly string[]): SharedDocuments {
    const offsets = new Float64Array(new SharedArrayBuffer(8 * (docs.length + 1)));
    const irregular: [number, string][] = [];
    let total = 0;
    for (let d = 0; d < docs.length; d++) {
      offsets[d] = total;
      const doc = docs[d] as string;
      if (LONE_SURROGATE.test(doc)) irregular.push([d, doc]);
      else total += Buffer.byteLength(doc, "utf8");
    }
    offsets[docs.length] = total;
    const bytes = new SharedArrayBuffer(total);
    const view = Buffer.from(bytes);
    for (let d = 0; d < docs.length; d++)
      if (offsets[d + 1] !== offsets[d]) view.write(docs[d] as string, offsets[d] as number, "utf8");
    return new SharedDocuments({
      bytes,
      offsets: offsets.buffer as SharedArrayBuffer,
      ...(irregular.length > 0 ? { irregular } : {}),
    });
  }

  at(id: number): string | undefined {
    if (!(id >= 0 && id < this.length)) return undefined;
    if (this.irregular.size > 0 && this.irregular.has(id)) return this.irregular.get(id);
    const slot = id & (CACHE_SLOTS - 1);
    if (this.cachedIds[slot] === id) return this.cached[slot] as string;
    const text = this.bytes.toString("utf8", this.offsets[id] as number, this.offsets[id + 1] as number);
    this.cachedIds[slot] = id;
    this.cached[slot] = text;
    return text;
  }
}

/** `make`, called once per document array: grow's rounds and the pipeline's kinds share one corpus. */
function oncePerArray<T>(make: (docs: readonly string[]) => T): (docs: readonly string[]) => T {
  const made = new WeakMap<readonly string[], T>();
  return (docs) => {
    let value = made.get(docs);
    if (value === undefined) {
      value = make(docs);
      made.set(docs, value);
    }
    return value;
  };
}

/** {@link SharedDocuments.from}, once per array. */
export const sharedDocumentsOf = oncePerArray((docs) => SharedDocuments.from(docs));

/** What a worker needs to rebuild an {@link EscapedDocuments}: every buffer is shared, never copied. */
export interface EscapedDocumentsParts {
  /** Every document as it is inside a JSON string (escaped, UTF-8, no quotes), one after another. */
  bytes: SharedArrayBuffer;
  /** `length + 1` byte offsets (Float64), as in {@link SharedDocumentsParts}. */
  offsets: SharedArrayBuffer;
  /** One byte per document: 1 when its escaped form may not be joined with a neighbour's (see {@link joinsUnchanged}). */
  unjoinable: SharedArrayBuffer;
}

/**
 * Documents as they are written inside a JSON string, escaped and encoded once for the whole corpus: a
 * context's JSON text is then its documents' bytes with the headers' and separators' between them, copied,
 * instead of escaping and encoding a 130 KB string per sample.
 */
export class EscapedDocuments {
  readonly length: number;
  private readonly bytes: Uint8Array;
  private readonly offsets: Float64Array;
  private readonly unjoinable: Uint8Array;

  constructor(readonly parts: EscapedDocumentsParts) {
    this.bytes = new Uint8Array(parts.bytes);
    this.offsets = new Float64Array(parts.offsets);
    this.unjoinable = new Uint8Array(parts.unjoinable);
    this.length = this.offsets.length - 1;
  }

  /** The escaped documents of `docs`, in shared memory. */
  static from(docs: readonly string[]): EscapedDocuments {
    const offsets = new Float64Array(new SharedArrayBuffer(8 * (docs.length + 1)));
    const unjoinable = new Uint8Array(new SharedArrayBuffer(docs.length));
    // Sized first and written second, each document escaped twice: no copy of the corpus is held meanwhile.
    let total = 0;
    for (let d = 0; d < docs.length; d++) {
      offsets[d] = total;
      total += Buffer.byteLength(JSON.stringify(docs[d] as string), "utf8") - 2;
    }
    offsets[docs.length] = total;
    const bytes = new SharedArrayBuffer(total);
    const view = Buffer.from(bytes);
    for (let d = 0; d < docs.length; d++) {
      const doc = docs[d] as string;
      const quoted = JSON.stringify(doc);
      view.write(quoted.slice(1, -1), offsets[d] as number, "utf8");
      if (!joinsUnchanged(doc)) unjoinable[d] = 1;
    }
    return new EscapedDocuments({
      bytes,
      offsets: offsets.buffer as SharedArrayBuffer,
      unjoinable: unjoinable.buffer as SharedArrayBuffer,
    });
  }

  /**
   * Document `id` as it is inside a JSON string (a view, not a copy), or undefined when it is out of range or
   * may not be joined with its neighbours.
   */
  at(id: number): Uint8Array | undefined {
    if (!(id >= 0 && id < this.length) || this.unjoinable[id] === 1) return undefined;
    return this.bytes.subarray(this.offsets[id] as number, this.offsets[id + 1] as number);
  }
}

/** {@link EscapedDocuments.from}, once per array. */
export const escapedDocumentsOf = oncePerArray((docs) => EscapedDocuments.from(docs));
