import { createHash } from "node:crypto";
import type { Corpus } from "./types.js";

/**
 * A content hash of the corpus's document table: SHA-256 (hex) over every document string in id order, each
 * followed by a NUL byte, fed incrementally. Equal tables give equal fingerprints, so it keys caches of
 * per-document data such as token counts.
 */
export function corpusFingerprint(corpus: Corpus): string {
  const hash = createHash("sha256");
  for (const doc of corpus.docs) {
    hash.update(doc, "utf8");
    hash.update("\0");
  }
  return hash.digest("hex");
}
