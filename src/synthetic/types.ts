/** One document of a generic record: a title and its paragraph. */
export interface GenericDocument {
  title: string;
  text: string;
}

/**
 * A record of the project's generic JSON Lines format (read by `src/corpus/generic.ts`): the question,
 * its answers, its documents (gold and distractors, shuffled) and the indices of the gold ones.
 */
export interface GenericRecord {
  id: string;
  question: string;
  answers: string[];
  documents: GenericDocument[];
  /** Indices into `documents` of the supporting (gold) documents, in reasoning order (first hop first). */
  supporting: number[];
}

/** What the user asks for. */
export interface WorldOptions {
  /** Seed of everything drawn: same options, same bytes. */
  seed: number;
  /** Number of questions (records) to generate. */
  questions: number;
  /** Non-gold documents added to each record. @default 8 */
  distractorsPerQuestion?: number;
}

/** The options with every default filled in. */
export interface ResolvedWorldOptions {
  seed: number;
  questions: number;
  distractorsPerQuestion: number;
}
