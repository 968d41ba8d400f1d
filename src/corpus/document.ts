/**
 * The document string of one paragraph: `"{title}\n{body}"`, or the body alone when the title is empty.
 *
 * Leading whitespace is trimmed from the result, so a document never starts with whitespace (a blank title
 * leaves the body alone; a body-only document loses its indentation); later stages rely on this when they
 * join documents into passages. A paragraph whose body is empty or all whitespace gives `""` whatever its
 * title, since a bare title is no evidence: callers treat `""` as an empty paragraph.
 */
export function documentString(title: string, body: string): string {
  if (!/\S/.test(body)) return "";
  return (title === "" ? body : `${title}\n${body}`).trimStart();
}

/**
 * 2WikiMultihopQA sentences joined into one paragraph. Its sentences, unlike HotpotQA's, carry no leading
 * space, so one space goes between two sentences unless the left one ends or the right one starts with
 * whitespace already. (The original joined them with `""`, gluing words: `producer.In France`.)
 */
export function joinSentences(sentences: readonly string[]): string {
  let text = "";
  for (const sentence of sentences) {
    if (text !== "" && sentence !== "" && !isSpace(text.at(-1)) && !isSpace(sentence[0])) text += " ";
    text += sentence;
  }
  return text;
}

function isSpace(char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char);
}
