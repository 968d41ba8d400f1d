import { documentString } from "./document.js";
import { FieldReader } from "./fields.js";
import type { RawRecord } from "./raw-record.js";
import type { SourceDocument, SourceItem } from "./source-qa.js";

/**
 * One MuSiQue record: `id`, `question`, `answer`, `answer_aliases`, `answerable` and `paragraphs` as
 * `[{title, paragraph_text, is_supporting}, …]`, each paragraph giving the document `"{title}\n{text}"`.
 *
 * Only answerable records are kept (`answerable: false` → dropped as `unanswerable`, an expected filter:
 * MuSiQue-Full pairs every question with an unanswerable twin of the same id; the field is absent from the
 * `_ans_` files, whose records are all answerable). A blank question or answer is an error. Gold paragraphs are those with `is_supporting: true`.
 * The hop count comes from the id prefix (`2hop__…` → 2, `3hop1__…` → 3, `4hop2__…` → 4); an id without
 * that prefix falls back to the number of gold documents.
 */
export function parseMusiqueRecord(raw: RawRecord): SourceItem {
  const reader = new FieldReader(raw.place);
  const record = reader.object(raw.value);
  const id = reader.string(record.id, "id");
  const fields = reader.withId(id);
  const place = fields.place;
  if (fields.optionalBoolean(record.answerable, "answerable") === false)
    return { skip: "unanswerable", place };
  const question = fields.text(record.question, "question");
  const answer = fields.text(record.answer, "answer");
  const aliases =
    record.answer_aliases === undefined ? [] : fields.strings(record.answer_aliases, "answer_aliases");

  const documents: SourceDocument[] = [];
  let emptyParagraphs = 0;
  fields.array(record.paragraphs, "paragraphs").forEach((entry, i) => {
    const paragraph = fields.object(entry, `paragraphs[${i}]`);
    const title = fields.string(paragraph.title, `paragraphs[${i}].title`);
    const body = fields.string(paragraph.paragraph_text, `paragraphs[${i}].paragraph_text`);
    const gold = fields.boolean(paragraph.is_supporting, `paragraphs[${i}].is_supporting`);
    const text = documentString(title, body);
    if (text === "") emptyParagraphs++;
    else documents.push({ text, gold, field: `paragraphs[${i}]` });
  });

  const hops = /^(\d+)hop/.exec(id)?.[1];
  return {
    qa: {
      id,
      question,
      answers: [answer],
      aliases,
      documents,
      emptyParagraphs,
      ...(hops !== undefined ? { hops: Number(hops) } : {}),
    },
    place,
  };
}
