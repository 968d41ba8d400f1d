/** Splitting a plain context back into its documents, and the document hash `gold_hashes` holds. */

import { createHash } from "node:crypto";
import { type PassageLayout, renderHeader } from "../compose/layout.js";

/**
 * The documents of a context rendered by `renderContext(layout, docs)`: the text after each header
 * `Passage {i}:\n` up to the separator before the next header. `undefined` when the context does not start
 * with the first header.
 */
export function splitPassages(context: string, layout: PassageLayout): string[] | undefined {
  const first = renderHeader(layout, 1);
  if (!context.startsWith(first)) return undefined;
  const docs: string[] = [];
  let start = first.length;
  for (let k = 2; ; k++) {
    const marker = layout.separator + renderHeader(layout, k);
    const at = context.indexOf(marker, start);
    if (at < 0) {
      docs.push(context.slice(start));
      return docs;
    }
    docs.push(context.slice(start, at));
    start = at + marker.length;
  }
}

/** First 16 hex digits of the SHA-256 of a document string (UTF-8). */
export function documentHash(doc: string): string {
  return createHash("sha256").update(doc, "utf8").digest("hex").slice(0, 16);
}
