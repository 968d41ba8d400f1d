import { describe, expect, it } from "vitest";
import { SharedDocuments, sharedDocumentsOf } from "../../src/compose/documents.js";
import { DEFAULT_LAYOUT } from "../../src/compose/layout.js";
import { SizedCorpus } from "../../src/compose/sized-corpus.js";

const DOCS = ["Title\nplain ASCII text.", "", "Zürich\nÜber 100 °C — 東京 🚀", "x".repeat(10_000), "last"];

describe("SharedDocuments", () => {
  it("gives back every document as it was, non-ASCII and empty ones included", () => {
    const shared = SharedDocuments.from(DOCS);
    expect(shared.length).toBe(DOCS.length);
    for (let round = 0; round < 2; round++)
      DOCS.forEach((doc, i) => {
        expect(shared.at(i)).toBe(doc);
      });
    expect(shared.at(-1)).toBeUndefined();
    expect(shared.at(DOCS.length)).toBeUndefined();
  });

  it("is rebuilt from its shared parts without a copy (what a worker thread does)", () => {
    const shared = SharedDocuments.from(DOCS);
    expect(shared.parts.bytes).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.parts.offsets).toBeInstanceOf(SharedArrayBuffer);
    const view = new SharedDocuments(structuredClone(shared.parts));
    expect(Array.from({ length: view.length }, (_, i) => view.at(i))).toEqual(DOCS);
  });

  it("is made once per document array", () => {
    const docs = [...DOCS];
    expect(sharedDocumentsOf(docs)).toBe(sharedDocumentsOf(docs));
  });
});

describe("SizedCorpus.fromShared", () => {
  it("has the indexes of the corpus it was shared from, in shared memory", async () => {
    const units = Uint32Array.from([5, 1, 9, 1, 3]);
    const sized = new SizedCorpus(DOCS, units, DEFAULT_LAYOUT);
    expect(sized.units.buffer).toBeInstanceOf(SharedArrayBuffer);
    const docs = SharedDocuments.from(DOCS);
    const view = SizedCorpus.fromShared(structuredClone(sized.shared(docs.parts)), docs);
    expect(Array.from(view.units)).toEqual([5, 1, 9, 1, 3]);
    expect(Array.from(view.bySize)).toEqual([1, 3, 4, 0, 2]);
    expect(Array.from(view.sortedUnits)).toEqual(Array.from(sized.sortedUnits));
    expect(view.totalTokens).toBe(19);
    expect(view.countAtMost(3)).toBe(sized.countAtMost(3));
    expect(view.docs.at(2)).toBe(DOCS[2]);
  });
});
