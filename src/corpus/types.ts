import type { Place } from "../errors.js";

/**
 * Source formats the readers understand: one per data set, whatever its container (JSON array, JSON Lines,
 * parquet) and layout (HotpotQA and 2Wiki: the original files' or a Hugging Face Hub copy's, told record by
 * record), so `--format` names the data set only.
 */
export type FormatName = "hotpotqa" | "musique" | "2wikimqa" | "squad" | "jsonl";

export const FORMAT_NAMES: readonly FormatName[] = ["hotpotqa", "musique", "2wikimqa", "squad", "jsonl"];

/** One question of a multi-hop QA data set, pointing into the corpus's document table. */
export interface QaRecord {
  /** Source id (`_id` for HotpotQA/2Wiki, or `id` in their Hugging Face Hub copies; `id` for MuSiQue/SQuAD/generic). */
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
  /**
   * The source records left out of `qas`, by reason in the order each reason first occurred, with where the
   * first few of them are: what a run reports as "dropped N: reason". Empty when every record was kept.
   */
  dropped: DroppedRecords[];
}

/**
 * Why a source record was left out of a corpus. `unanswerable` (MuSiQue's `answerable: false` twins) and
 * `impossible` (SQuAD v2) are the data set's own markings, an expected filter; `no_supporting` (no
 * supporting paragraph with text) and `unknown_supporting_title` (a supporting fact names a title the
 * record's context lacks) are records that cannot be used; `duplicate_id` is a repeated question id kept out
 * with `duplicateIds: "keep-first"`.
 */
export type DropReason =
  | "unanswerable"
  | "impossible"
  | "no_supporting"
  | "unknown_supporting_title"
  | "duplicate_id";

/** How many places of dropped records a {@link DroppedRecords} keeps per reason. */
export const DROPPED_PLACES_KEPT = 5;

/** The records of a corpus dropped for one reason. */
export interface DroppedRecords {
  reason: DropReason;
  count: number;
  /** Where the first {@link DROPPED_PLACES_KEPT} of them are: file, line or record, id. */
  places: Place[];
}
