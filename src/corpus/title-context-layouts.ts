/**
 * The layouts in which copies of the title-context data sets (HotpotQA, 2WikiMultihopQA) store their fields.
 * The original JSON files keep `context` and `supporting_facts` as lists of pairs. The Hugging Face Hub
 * copies, written by the `datasets` library, keep the same content in other shapes: a `Sequence` of a dict
 * becomes a dict of lists (`{title: [...], sentences: [[...], ...]}`), a `List` of a dict a list of objects.
 * What the Hub data set cards declare (their `dataset_info.features`):
 *
 * - `hotpotqa/hotpot_qa` (config `distractor`): `id`, `question`, `answer`, `type`, `level`,
 *   `supporting_facts: Sequence({title: string, sent_id: int32})`,
 *   `context: Sequence({title: string, sentences: Sequence(string)})`: dicts of lists.
 * - `MemoryAsModality/HotPotQA-tiny`: `id: int64`, `supporting_facts` a struct of lists, `context` a list of
 *   `{sentences, title}` structs.
 * - `Salesforce/ContextualBench` (config `2WikiMultihopQA`) and `ohjoonhee/2WikiMultihopQA`: `_id`, `type`,
 *   `question`, `answer`, `context: {title: [string], content: [[string]]}` (the sentences named `content`),
 *   `supporting_facts: {title: [string], sent_id: [int32]}`, `evidences: {fact, relation, entity}` lists.
 * - `kamelliao/2wikimultihopqa` (loading script): `id` rather than `_id`, HotpotQA's `Sequence` features.
 *
 * Every layout gives the same paragraphs and supporting titles, so one question gives the same record
 * whichever copy it was read from.
 */

import type { FieldReader } from "./fields.js";

/** One paragraph of a record's `context`, before it is rendered as a document. */
export interface ContextParagraph {
  title: string;
  sentences: string[];
  /** Where it is in the record, e.g. `context[3]` or `context.sentences[3]`, for messages. */
  field: string;
}

/**
 * The question id: `_id` (the original files, most 2Wiki copies) or, when the record has no `_id`, `id`
 * (`hotpotqa/hotpot_qa`). A string, or a non-negative integer (a copy with `int64` ids) read as its
 * decimal digits.
 */
export function recordId(reader: FieldReader, record: Record<string, unknown>): string {
  const field = record._id === undefined && record.id !== undefined ? "id" : "_id";
  const value = record[field];
  if (value === undefined) {
    throw reader.error(
      "_id",
      'expected the question id in "_id" (original layout) or "id" (Hugging Face layout), but the record has neither',
    );
  }
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
    ? String(value)
    : reader.string(value, field);
}

/**
 * The paragraphs of `context`, in source order, from any of its layouts:
 *
 * - `[[title, [sentence, ...]], ...]` (original);
 * - `{title: [title, ...], sentences: [[sentence, ...], ...]}` (Hub, dict of lists; `content` in some 2Wiki
 *   copies), whose two lists must be as long as each other;
 * - `[{title, sentences}, ...]` (Hub, list of objects; `content` accepted as well).
 */
export function contextParagraphs(fields: FieldReader, value: unknown): ContextParagraph[] {
  if (isObject(value)) {
    const titles = fields.strings(value.title, "context.title");
    const key = sentencesKey(value);
    const lists = fields.array(value[key], `context.${key}`);
    if (lists.length !== titles.length) {
      throw fields.error(
        `context.${key}`,
        `expected one list of sentences per title: ${lists.length} lists for the ${titles.length} titles of "context.title"`,
      );
    }
    return titles.map((title, i) => ({
      title,
      sentences: fields.strings(lists[i], `context.${key}[${i}]`),
      field: `context.${key}[${i}]`,
    }));
  }
  return fields.array(value, "context").map((entry, i) => {
    if (isObject(entry)) {
      const key = sentencesKey(entry);
      return {
        title: fields.string(entry.title, `context[${i}].title`),
        sentences: fields.strings(entry[key], `context[${i}].${key}`),
        field: `context[${i}]`,
      };
    }
    const pair = fields.array(entry, `context[${i}]`);
    return {
      title: fields.string(pair[0], `context[${i}][0]`),
      sentences: fields.strings(pair[1], `context[${i}][1]`),
      field: `context[${i}]`,
    };
  });
}

/**
 * The titles the supporting facts name, in source order (repeats kept), from any of its layouts:
 * `[[title, sentence index], ...]` (original), `{title: [...], sent_id: [...]}` (Hub, dict of lists) or
 * `[{title, sent_id}, ...]` (Hub, list of objects). The sentence indices are not read, as in the original.
 */
export function supportingTitles(fields: FieldReader, value: unknown): string[] {
  if (isObject(value)) return fields.strings(value.title, "supporting_facts.title");
  return fields.array(value, "supporting_facts").map((fact, i) => {
    if (isObject(fact)) return fields.string(fact.title, `supporting_facts[${i}].title`);
    return fields.string(fields.array(fact, `supporting_facts[${i}]`)[0], `supporting_facts[${i}][0]`);
  });
}

/** `sentences`, or `content` when only that is there (2Wiki copies). */
function sentencesKey(paragraphs: Record<string, unknown>): "sentences" | "content" {
  return paragraphs.sentences === undefined && paragraphs.content !== undefined ? "content" : "sentences";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
