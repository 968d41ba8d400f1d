import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { pick } from "stream-json/filters/pick.js";
import { parser } from "stream-json/parser.js";
import { streamArray } from "stream-json/streamers/stream-array.js";
import { InputError } from "../errors.js";
import { decodeUtf8Chunks } from "../io/lines.js";
import { documentString } from "./document.js";
import { FieldReader } from "./fields.js";
import type { RawRecord } from "./raw-record.js";
import type { SourceItem } from "./source-qa.js";

/**
 * The articles of a SQuAD file (`{"version": …, "data": [article, …]}`), streamed one at a time with
 * stream-json. Each record's `index` is the article's index in `data`. The bytes are decoded strictly
 * (invalid UTF-8 is an {@link InputError} naming the line and byte offset).
 */
export async function* readSquadArticles(path: string): AsyncGenerator<RawRecord> {
  let dataKind: string | undefined;
  const articles = pipeline(
    createReadStream(path),
    (bytes: AsyncIterable<Uint8Array>) => decodeUtf8Chunks(bytes, { file: path }),
    parser.asStream(),
    pick.asStream({
      filter: (stack, token) => {
        const hit = stack.length === 1 && stack[0] === "data";
        if (hit) dataKind ??= token.name;
        return hit;
      },
    }),
    streamArray.asStream(),
    () => {},
  );
  try {
    for await (const { key, value } of articles as AsyncIterable<{ key: number; value: unknown }>) {
      yield { value, index: key, place: { file: path } };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    if (dataKind !== undefined && dataKind !== "startArray") {
      throw new InputError("expected an array of articles", { file: path, field: "data" }, { cause: error });
    }
    throw new InputError(`not valid JSON: ${(error as Error).message}`, { file: path }, { cause: error });
  } finally {
    articles.destroy();
  }
  if (dataKind === undefined) {
    throw new InputError('expected a SQuAD object with a "data" array of articles, found no "data" field', {
      file: path,
    });
  }
}

/**
 * The questions of one SQuAD article (v1.1 or v2.0). Each question's only document, and its gold document,
 * is its paragraph's `context` (no title). `answers` are the distinct answer texts in order. Questions marked
 * `is_impossible: true` (v2.0) are dropped as `impossible`; v1.1 has no such field. A blank question or
 * answer is an error. Each question's place is its field path, `data[i].paragraphs[j].qas[k]`.
 */
export function parseSquadArticle(raw: RawRecord): SourceItem[] {
  const reader = new FieldReader(raw.place);
  const at = `data[${raw.index}]`;
  const article = reader.object(raw.value, at);
  const items: SourceItem[] = [];
  reader.array(article.paragraphs, `${at}.paragraphs`).forEach((entry, i) => {
    const paragraphAt = `${at}.paragraphs[${i}]`;
    const paragraph = reader.object(entry, paragraphAt);
    const contextAt = `${paragraphAt}.context`;
    const text = documentString("", reader.string(paragraph.context, contextAt));
    reader.array(paragraph.qas, `${paragraphAt}.qas`).forEach((qaEntry, j) => {
      const qaAt = `${paragraphAt}.qas[${j}]`;
      const qa = reader.object(qaEntry, qaAt);
      const id = reader.string(qa.id, `${qaAt}.id`);
      const fields = reader.withId(id);
      const place = { ...fields.place, field: qaAt };
      if (fields.optionalBoolean(qa.is_impossible, `${qaAt}.is_impossible`) === true) {
        items.push({ skip: "impossible", place });
        return;
      }
      const question = fields.text(qa.question, `${qaAt}.question`);
      const answers = fields.array(qa.answers, `${qaAt}.answers`).map((answer, k) => {
        return fields.text(fields.object(answer, `${qaAt}.answers[${k}]`).text, `${qaAt}.answers[${k}].text`);
      });
      if (answers.length === 0) {
        throw fields.error(
          `${qaAt}.answers`,
          "expected at least one answer for a question that is not impossible",
        );
      }
      items.push({
        qa: {
          id,
          question,
          answers: [...new Set(answers)],
          aliases: [],
          documents: text === "" ? [] : [{ text, gold: true, field: contextAt }],
          emptyParagraphs: text === "" ? 1 : 0,
        },
        place,
      });
    });
  });
  return items;
}
