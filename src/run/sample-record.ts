/** The fields every synthesised sample record has (plain and KeyChain), with their meaning. */
export interface SampleRecordBase {
  /** Position in the question window (gaps mark skipped questions). */
  index: number;
  /** Position in the filtered, possibly shuffled question list. */
  source_index: number;
  /** Source id of the question. */
  id: string;
  /** The question. */
  input: string;
  /** The rendered context (plain: through the template; KeyChain: documents only, no pairs). */
  context: string;
  answers: string[];
  answer_aliases: string[];
  /** Prompt tokens + G (the original's meaning). */
  length: number;
  /** Tokens of everything the model reads. */
  prompt_length: number;
  /** L. */
  target_length: number;
  num_docs: number;
  /** 1-based passage numbers of the gold documents. */
  gold_positions: number[];
  dataset: string;
  seed: number;
  placement: string;
}
