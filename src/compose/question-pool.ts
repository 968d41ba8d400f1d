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
  private readonly norms: string[];
  readonly distinct: number;

  constructor(qas: readonly QaRecord[]) {
    this.qas = qas;
    this.norms = qas.map((q) => normalizeQuestion(q.question));
    this.distinct = new Set(this.norms).size;
  }

  /** Throws when fewer than k distinct other questions exist. */
  assertCanSample(k: number, what: string): void {
    if (k > this.distinct - 1)
      throw new ConfigError(
        `${what} asks for ${k} distractor questions, but the data set has only ${this.distinct} distinct questions (so at most ${Math.max(0, this.distinct - 1)} besides each sample's own)`,
      );
  }

  /** k distinct questions other than `own`, in draw order. */
  sample(own: QaRecord, k: number, rng: Rng): string[] {
    if (k <= 0) return [];
    const ownNorm = normalizeQuestion(own.question);
    const chosen = new Set<string>([ownNorm]);
    const out: string[] = [];
    const n = this.qas.length;
    // Rejection sampling is O(k) when k ≪ n; fall back to a shuffled scan when it keeps colliding.
    let collisions = 0;
    while (out.length < k && collisions < 4 * k + 64) {
      const i = rng.int(n);
      const q = this.qas[i] as QaRecord;
      const norm = this.norms[i] as string;
      if (q.id === own.id || chosen.has(norm)) {
        collisions++;
        continue;
      }
      chosen.add(norm);
      out.push(q.question);
    }
    if (out.length < k) {
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      for (const i of order) {
        if (out.length >= k) break;
        const q = this.qas[i] as QaRecord;
        const norm = this.norms[i] as string;
        if (q.id === own.id || chosen.has(norm)) continue;
        chosen.add(norm);
        out.push(q.question);
      }
    }
    if (out.length < k)
      throw new ConfigError(`Only ${out.length} distinct distractor questions available, ${k} asked`);
    return out;
  }
}
