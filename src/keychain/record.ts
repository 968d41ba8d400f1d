import type { SampleRecordBase } from "../run/sample-record.js";

/**
 * A KeyChain instance as written to JSONL. Output field order is set where records are built (the original's
 * fields `index … chain_head_with_question` first, then ours). Of the shared fields: `input` is the true
 * question, reached by following the chain from the head; `context` is the plain context (documents only, no
 * pairs, as the original keeps it); `prompt` is the user message (instruction, `distractor_context`, head key)
 * with the system message when one is set, and `prompt_length` counts it through the chat template.
 */
export interface KeychainRecord extends SampleRecordBase {
  /** Questions sampled for distractor chains (the original's `distract_questions`). */
  distract_questions: string[];
  /** The KeyChain context: `context` with every pair inserted. */
  distractor_context: string;
  /** The start key, bare. */
  chain_head_with_question: string;
  /** The true path of keys from the head to the key whose value is the question. */
  chain: string[];
  num_chains: number;
  /** Ids per chain (pairs per chain, the last pair's value being a question). */
  hops: number;
  /** `uuid`, `hex:N` or `nano:N`. */
  id_format: string;
  /** `chain` or `tree:branching`. */
  topology: string;
  /** First 16 hex of SHA-256 of each gold document string, in `gold_positions` order (lets `verify` check them). */
  gold_hashes: string[];
  /** Number of key→value pairs inserted. */
  num_pairs: number;
  /** Prompt wording: `default` or `find-first`. */
  prompt_variant: string;
}
