/**
 * What a format reader makes of one source question before it enters the shared document table: plain
 * values, no document ids yet. {@link CorpusBuilder} turns these into `QaRecord`s.
 */

import type { Place } from "../errors.js";
import type { DropReason } from "./types.js";

/**
 * What `Corpus.skipped` counts: every {@link DropReason} (records), and `empty_paragraph` (paragraphs left out
 * of a kept record because they had no text).
 */
export type SkipReason = DropReason | "empty_paragraph";

/** One of a question's own paragraphs, already rendered as a document string (never empty). */
export interface SourceDocument {
  text: string;
  /** A supporting (gold) paragraph. */
  gold: boolean;
  /** Where in the record it came from, e.g. `context[3]`, for messages. */
  field: string;
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

/**
 * A reader's verdict on one source question: kept (with its content) or dropped (with the reason), and where
 * the question is (file, line or record, id; SQuAD: the question's field path).
 */
export type SourceItem = { qa: SourceQa; place: Place } | { skip: DropReason; place: Place };
