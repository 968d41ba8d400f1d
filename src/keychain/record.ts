/**
 * A KeyChain instance as written to JSONL (field order is the output order). The original's fields come first
 * (`index … chain_head_with_question`), then ours.
 */
export interface KeychainRecord {
  index: number;
  source_index: number;
  id: string;
  /** The true question (reached by following the chain from the head). */
  input: string;
  /** The plain context: documents only, no pairs (as the original keeps it). */
  context: string;
  answers: string[];
  answer_aliases: string[];
  /** Prompt tokens + G (the original's meaning). */
  length: number;
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
  /** Tokens of everything the model reads: the rendered prompt (instruction + distractor_context + head key,
   * through the chat template when one is chosen). */
  prompt_length: number;
  target_length: number;
  num_docs: number;
  /** 1-based passage numbers of the gold documents. */
  gold_positions: number[];
  /** First 16 hex of SHA-256 of each gold document string, in `gold_positions` order (lets `verify` check them). */
  gold_hashes: string[];
  /** Number of key→value pairs inserted. */
  num_pairs: number;
  /** Prompt wording: `default` or `find-first`. */
  prompt_variant: string;
  /** Chat template the budget was counted through: `none` or `qwen_orz_boxed`. */
  chat_template: string;
  dataset: string;
  seed: number;
  placement: string;
}
