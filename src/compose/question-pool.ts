import type { QaRecord } from "../corpus/types.js";
import { ConfigError } from "../errors.js";
import type { Rng } from "../rng.js";

/** Question identity for "same question" checks: case, whitespace and trailing punctuation ignored. */
export function normalizeQuestion(q: string): string {
  return q
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\s?.!]+$/u, "");
}

/**
 * The questions other samples may borrow as distractors. A distractor never is the sample's own question, by
 * source id or by normalised text, and never repeats within a sample.
 */
export class QuestionPool {
  readonly qas: readonly QaRecord[];
  /** Per question, the id of its normalised text (equal texts share an id). */
  private readonly textIds: Int32Array;
  readonly distinct: number;
  /** `marks[textId] === epoch` when that text is taken in the current draw (no clearing between draws). */
  private readonly marks: Uint32Array;
  private epoch = 0;
  private readonly textIdOf: Map<string, number>;

  constructor(qas: readonly QaRecord[]) {
    this.qas = qas;
    const ids = new Map<string, number>();
    this.textIds = Int32Array.from(qas, (q) => {
      const norm = normalizeQuestion(q.question);
      let id = ids.get(norm);
      if (id === undefined) {
        id = ids.size;
        ids.set(norm, id);
      }
      return id;
    });
    this.distinct = ids.size;
    this.textIdOf = ids;
    this.marks = new Uint32Array(ids.size);
  }

  /** Throws when fewer than k distinct other questions exist. */
  assertCanSample(k: number, what: string): void {
    if (k > this.distinct - 1)
      throw new ConfigError(
        `${what} asks for ${k} distractor questions, but the data set has only ${this.distinct} distinct questions (so at most ${Math.max(0, this.distinct - 1)} besides each sample's own)`,
      );
  }

  /** k distinct questions other than `own` (by source id and by normalised text), in draw order. */
  sample(own: QaRecord, k: number, rng: Rng): string[] {
    if (k <= 0) return [];
    if (++this.epoch === 0xffffffff) {
      this.marks.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    const ownText = this.textIdOf.get(normalizeQuestion(own.question)) ?? -1;
    const n = this.qas.length;
    const out: string[] = [];
    const take = (i: number): void => {
      const q = this.qas[i] as QaRecord;
      const t = this.textIds[i] as number;
      if (q.id === own.id || t === ownText || this.marks[t] === epoch) return;
      this.marks[t] = epoch;
      out.push(q.question);
    };
    // Rejection sampling is O(k) when k ≪ n; fall back to a shuffled scan when it keeps colliding.
    for (let tries = 0; out.length < k && tries < 8 * k + 64; tries++) take(rng.int(n));
    if (out.length < k) {
      for (const i of rng.shuffle(Array.from({ length: n }, (_, i) => i))) {
        if (out.length >= k) break;
        take(i);
      }
    }
    if (out.length < k)
      throw new ConfigError(`Only ${out.length} distinct distractor questions available, ${k} asked`);
    return out;
  }
}

const pools = new WeakMap<readonly QaRecord[], QuestionPool>();

/** The pool of a question list, built once per list (every maker and length of a run shares it). */
export function questionPoolOf(qas: readonly QaRecord[]): QuestionPool {
  let pool = pools.get(qas);
  if (!pool) {
    pool = new QuestionPool(qas);
    pools.set(qas, pool);
  }
  return pool;
}
