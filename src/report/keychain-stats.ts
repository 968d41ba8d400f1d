import type { FieldReader } from "../corpus/fields.js";
import { serializePair } from "../keychain/pairs.js";
import { bump, DEPTH_BINS, type Summary, summarize, unitBin } from "./distribution.js";
import { arrayOf, NUMBER, STRING } from "./field-checks.js";

export interface KeychainStats {
  records: number;
  chains: Summary;
  hops: Summary;
  numPairs: Summary;
  distractQuestions: Summary;
  /** Pairs of the true chain found in `distractor_context`. */
  chainPairs: number;
  /** Pairs of the true chain not found (should be 0; `verify` explains why). */
  chainPairsMissing: number;
  /** True-chain pairs per relative-depth bin: char offset / context length in 10 equal bins. */
  pairDepth: number[];
}

/** The fields of a KeyChain record that {@link KeychainAccumulator} counts. */
export interface KeychainRow {
  numChains: number;
  hops: number;
  numPairs: number;
  distractQuestions: string[];
  chain: string[];
  /** The true question (`input`), the value of the chain's last pair. */
  question: string;
  /** `distractor_context`, where the chain's pairs are looked for. */
  context: string;
}

/** Reads the {@link KeychainRow} of a KeyChain record; an InputError names the bad field. */
export function readKeychainRow(r: Record<string, unknown>, f: FieldReader): KeychainRow {
  return {
    numChains: f.expect(r.num_chains, "num_chains", NUMBER),
    hops: f.expect(r.hops, "hops", NUMBER),
    numPairs: f.expect(r.num_pairs, "num_pairs", NUMBER),
    distractQuestions: arrayOf(f, r.distract_questions, "distract_questions", STRING),
    chain: arrayOf(f, r.chain, "chain", STRING),
    question: f.expect(r.input, "input", STRING),
    context: f.expect(r.distractor_context, "distractor_context", STRING),
  };
}

/**
 * Where each pair of the true chain sits in `context`: its char offset / the context length, in chain order
 * (head first; the last pair is the question pair, last key → question), `null` for a pair not found. A pair is
 * looked up as `serializePair` writes it (`{"key": "value"}`).
 */
export function trueChainPairDepths(
  row: Pick<KeychainRow, "chain" | "question" | "context">,
): Array<number | null> {
  const { chain, question, context } = row;
  return chain.map((key, i) => {
    const at = context.indexOf(serializePair(key, chain[i + 1] ?? question));
    return at < 0 ? null : at / context.length;
  });
}

/** The {@link KeychainStats} of one group, one record at a time. */
export class KeychainAccumulator {
  private records = 0;
  private readonly chains: number[] = [];
  private readonly hops: number[] = [];
  private readonly numPairs: number[] = [];
  private readonly distract: number[] = [];
  private chainPairs = 0;
  private chainPairsMissing = 0;
  private readonly pairDepth = new Array<number>(DEPTH_BINS).fill(0);

  add(row: KeychainRow): void {
    this.records++;
    this.chains.push(row.numChains);
    this.hops.push(row.hops);
    this.numPairs.push(row.numPairs);
    this.distract.push(row.distractQuestions.length);
    for (const depth of trueChainPairDepths(row)) {
      if (depth === null) {
        this.chainPairsMissing++;
        continue;
      }
      this.chainPairs++;
      bump(this.pairDepth, unitBin(depth, DEPTH_BINS));
    }
  }

  /** `null` without records. */
  finish(): KeychainStats | null {
    const chains = summarize(this.chains);
    const hops = summarize(this.hops);
    const numPairs = summarize(this.numPairs);
    const distractQuestions = summarize(this.distract);
    if (!chains || !hops || !numPairs || !distractQuestions) return null;
    return {
      records: this.records,
      chains,
      hops,
      numPairs,
      distractQuestions,
      chainPairs: this.chainPairs,
      chainPairsMissing: this.chainPairsMissing,
      pairDepth: this.pairDepth,
    };
  }
}
