/**
 * A key→value pair as the model reads it: `{"<key>": "<value>"}` — one space after the colon, as the original
 * — but with key and value JSON-escaped, so a question containing quotes still gives valid JSON (the original
 * inserted values raw). The period that follows a pair belongs to the insertion, not to the pair.
 */
export function serializePair(key: string, value: string): string {
  return `{${JSON.stringify(key)}: ${JSON.stringify(value)}}`;
}

/** What terminates a route: a question, or (tree topology) a dead-end id that is no key. */
export interface Pair {
  key: string;
  value: string;
}
