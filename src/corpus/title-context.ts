import { documentString } from "./document.js";
import { FieldReader } from "./fields.js";
import type { RawRecord } from "./raw-record.js";
import type { SourceDocument, SourceItem } from "./source-qa.js";
import { contextParagraphs, recordId, supportingTitles } from "./title-context-layouts.js";

/**
 * One record of a data set in the HotpotQA shape (HotpotQA, 2WikiMultihopQA): `_id`, `question`, `answer`,
 * `context` as `[[title, [sentence, …]], …]` and `supporting_facts` as `[[title, sentence index], …]`, or
 * the same content in a Hugging Face Hub layout (`id`; `context` and `supporting_facts` as dicts of lists or
 * lists of objects: see {@link contextParagraphs}). Every layout of one question gives the same item.
 *
 * A paragraph is gold when a supporting fact names its title exactly (the original matched titles as
 * substrings of whole documents, which gave false positives). A record whose supporting facts name a title
 * that is not a context title is dropped as `unknown_supporting_title` (counted, with its place). A blank
 * question or answer is an error. `type` and `level` are kept as `meta` when present.
 *
 * @param join how the format joins a paragraph's sentences into its text.
 */
export function parseTitleContextRecord(raw: RawRecord, join: (sentences: string[]) => string): SourceItem {
  const reader = new FieldReader(raw.place);
  const record = reader.object(raw.value);
  const id = recordId(reader, record);
  const fields = reader.withId(id);
  const place = fields.place;
  const question = fields.text(record.question, "question");
  const answer = fields.text(record.answer, "answer");

  const paragraphs = contextParagraphs(fields, record.context).map(({ title, sentences, field }) => ({
    title,
    text: documentString(title, join(sentences)),
    field,
  }));
  const titles = new Set(paragraphs.map((paragraph) => paragraph.title));

  const supporting = new Set<string>();
  let unknownTitle = false;
  for (const title of supportingTitles(fields, record.supporting_facts)) {
    if (titles.has(title)) supporting.add(title);
    else unknownTitle = true;
  }
  if (unknownTitle) return { skip: "unknown_supporting_title", place };

  const documents: SourceDocument[] = [];
  let emptyParagraphs = 0;
  for (const { title, text, field } of paragraphs) {
    if (text === "") emptyParagraphs++;
    else documents.push({ text, gold: supporting.has(title), field });
  }

  const meta: Record<string, string> = {};
  const type = fields.optionalString(record.type, "type");
  const level = fields.optionalString(record.level, "level");
  if (type !== undefined) meta.type = type;
  if (level !== undefined) meta.level = level;

  return {
    qa: {
      id,
      question,
      answers: [answer],
      aliases: [],
      documents,
      emptyParagraphs,
      ...(type !== undefined || level !== undefined ? { meta } : {}),
    },
    place,
  };
}
