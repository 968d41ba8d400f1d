/** Source questions → the filter's input records (reference §7.1), as plain JSONL records for `runRollout`. */
import type { Corpus } from "../corpus/types.js";

/**
 * Paragraph separator of the filter context. The original joins paragraphs with a single `"\n"` (§7.1), which
 * makes paragraph boundaries ambiguous since each paragraph is itself `title\ntext`; we use a blank line.
 */
export const FILTER_CONTEXT_SEPARATOR = "\n\n";

/** One filter record: a plain record (`id, input, context, answers`) that `runRollout` reads. */
export interface FilterRecord {
  id: string;
  input: string;
  context: string;
  answers: string[];
  answer_aliases?: string[];
}

/**
 * Each question with its OWN paragraphs as context, in corpus order. With `ids`, only those questions.
 * Questions without an answer cannot be scored and are returned in `unanswerable` (never sampled).
 */
export function toFilterRecords(
  corpus: Pick<Corpus, "docs" | "qas">,
  ids?: ReadonlySet<string>,
): { records: FilterRecord[]; unanswerable: string[] } {
  const records: FilterRecord[] = [];
  const unanswerable: string[] = [];
  for (const qa of corpus.qas) {
    if (ids !== undefined && !ids.has(qa.id)) continue;
    if (qa.answers.length === 0) {
      unanswerable.push(qa.id);
      continue;
    }
    const record: FilterRecord = {
      id: qa.id,
      input: qa.question,
      context: qa.docs.map((d) => corpus.docs[d] ?? "").join(FILTER_CONTEXT_SEPARATOR),
      answers: qa.answers,
    };
    if (qa.aliases.length > 0) record.answer_aliases = qa.aliases;
    records.push(record);
  }
  return { records, unanswerable };
}
