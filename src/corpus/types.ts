/** Source formats the readers understand. */
export type FormatName = "hotpotqa" | "musique" | "2wikimqa" | "squad" | "jsonl";

export const FORMAT_NAMES: readonly FormatName[] = ["hotpotqa", "musique", "2wikimqa", "squad", "jsonl"];

/** One question of a multi-hop QA data set, pointing into the corpus's document table. */
export interface QaRecord {
  /** Source id (`_id` for HotpotQA/2Wiki, `id` for MuSiQue/SQuAD/generic). */
  id: string;
  question: string;
  /** Gold answers: the main answer first; SQuAD may have several. Never empty. */
  answers: string[];
  /** Other accepted spellings (MuSiQue `answer_aliases`); empty when the source has none. */
  aliases: string[];
  /** The question's own documents (ids into `Corpus.docs`), in source order, duplicates removed. */
  docs: number[];
  /** The gold (supporting) documents: a subset of `docs`, in source order. */
  gold: number[];
  /** Number of reasoning hops: MuSiQue from the id prefix (`3hop1__…` → 3), otherwise the number of gold docs. */
  hops: number;
  /** 0-based position of the record in its source file (after answerable filtering: position in the file). */
  sourcePosition: number;
  /** Optional source metadata kept for analysis (`type`, `level`). */
  meta?: Record<string, string>;
}

/** A whole data set, read and deduplicated. */
export interface Corpus {
  format: FormatName;
  /** The path it was read from. */
  source: string;
  /** Document strings: `"{title}\n{text}"` (or the text alone when there is no title), deduplicated
   * exactly over the whole data set, in first-seen order. A document id is its index here. Never starts
   * with whitespace. */
  docs: string[];
  qas: QaRecord[];
  /** Counts of records skipped while reading, by reason (e.g. `unanswerable`), for the run summary. */
  skipped: Record<string, number>;
}
