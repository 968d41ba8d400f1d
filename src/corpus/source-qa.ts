/**
 * What a format reader makes of one source question before it enters the shared document table: plain
 * values, no document ids yet. {@link CorpusBuilder} turns these into `QaRecord`s.
 */

/** Why a source question was left out; each reason is counted in `Corpus.skipped`. */
export type SkipReason =
  | "unanswerable"
  | "impossible"
  | "no_supporting"
  | "empty_paragraph"
  | "unknown_supporting_title";

/** One of a question's own paragraphs, already rendered as a document string (never empty). */
export interface SourceDocument {
  text: string;
  /** A supporting (gold) paragraph. */
  gold: boolean;
}

export interface SourceQa {
  id: string;
  question: string;
  answers: string[];
  aliases: string[];
  /** The question's paragraphs in source order; the same string may occur twice. */
  documents: SourceDocument[];
  /** Paragraphs left out of `documents` because they were empty (counted as `empty_paragraph`). */
  emptyParagraphs: number;
  /** Hop count when the source states it (MuSiQue id prefix); otherwise the number of gold documents. */
  hops?: number;
  meta?: Record<string, string>;
}

/** A reader's verdict on one source question: kept (with its content) or skipped (with the reason). */
export type SourceItem = { qa: SourceQa } | { skip: SkipReason };
