import { documentString } from "./document.js";
import { FieldReader } from "./fields.js";
import type { RawRecord } from "./raw-record.js";
import type { SourceItem } from "./source-qa.js";

/**
 * One record of the generic JSON Lines format, for data sets of your own:
 *
 * ```json
 * {"id": "q1", "question": "…", "answers": ["…"], "aliases": ["…"],
 *  "documents": [{"title": "…", "text": "…"}, …], "supporting": [0, 3], "hops": 2}
 * ```
 *
 * `aliases`, `hops` and each document's `title` are optional. A document is `"{title}\n{text}"`, or `text`
 * alone when the title is missing or empty. `supporting` holds 0-based indices into `documents`; `hops`
 * defaults to the number of supporting documents. Unlike the public formats, nothing is skipped: an empty
 * document, a blank question, an empty answer list, a blank answer or a record without supporting documents
 * is an error.
 */
export function parseGenericRecord(raw: RawRecord): SourceItem {
  const reader = new FieldReader(raw.place);
  const record = reader.object(raw.value);
  const id = reader.string(record.id, "id");
  const fields = reader.withId(id);
  const question = fields.text(record.question, "question");
  const answers = fields.texts(record.answers, "answers");
  const aliases = record.aliases === undefined ? [] : fields.strings(record.aliases, "aliases");

  const texts = fields.array(record.documents, "documents").map((entry, i) => {
    const doc = fields.object(entry, `documents[${i}]`);
    const title = fields.optionalString(doc.title, `documents[${i}].title`) ?? "";
    const text = documentString(title, fields.string(doc.text, `documents[${i}].text`));
    if (text === "") throw fields.error(`documents[${i}].text`, "the document is empty (its text is blank)");
    return text;
  });

  const supporting = fields.array(record.supporting, "supporting");
  if (supporting.length === 0) {
    throw fields.error("supporting", "expected at least one supporting document index, got an empty array");
  }
  const gold = new Set<number>();
  supporting.forEach((value, i) => {
    const index = fields.index(value, `supporting[${i}]`);
    if (index >= texts.length) {
      throw fields.error(
        `supporting[${i}]`,
        `index ${index} is out of range: the record has ${texts.length} documents`,
      );
    }
    gold.add(index);
  });

  const hops = record.hops === undefined ? undefined : fields.index(record.hops, "hops");
  if (hops === 0) throw fields.error("hops", "expected a positive integer, got 0");
  return {
    qa: {
      id,
      question,
      answers,
      aliases,
      documents: texts.map((text, i) => ({ text, gold: gold.has(i), field: `documents[${i}]` })),
      emptyParagraphs: 0,
      ...(hops !== undefined ? { hops } : {}),
    },
    place: fields.place,
  };
}
