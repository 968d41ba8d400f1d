import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EscapedDocuments,
  escapedDocumentsOf,
  SharedDocuments,
  sharedDocumentsOf,
} from "../../src/compose/documents.js";
import { DEFAULT_LAYOUT, parseLayout, renderContext, renderContextJson } from "../../src/compose/layout.js";
import { SizedCorpus } from "../../src/compose/sized-corpus.js";
import { escapedBody } from "../../src/io/json-line.js";

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

  it("gives back a document with a lone surrogate as it was (UTF-8 would make it U+FFFD)", () => {
    const docs = ["before", "lone \ud800 high", "\udc00 low first", "pair 😀 kept", "after"];
    const shared = SharedDocuments.from(docs);
    const view = new SharedDocuments(structuredClone(shared.parts));
    expect(Array.from({ length: view.length }, (_, i) => view.at(i))).toEqual(docs);
    expect(shared.parts.irregular?.map(([id]) => id)).toEqual([1, 2]);
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

describe("EscapedDocuments", () => {
  const ODD = [
    ...DOCS,
    'say "hi"\\ \t\u0000\u001f \u2028',
    "pair 😀 inside",
    "\ude00 low first",
    "high last \ud83d",
  ];

  it("keeps each document as it is inside a JSON string, and none whose edge is a surrogate", () => {
    const escaped = EscapedDocuments.from(ODD);
    expect(escaped.length).toBe(ODD.length);
    ODD.forEach((doc, i) => {
      const body = escaped.at(i);
      if (i >= ODD.length - 2) expect(body).toBeUndefined();
      else expect(Buffer.from(body as Uint8Array).equals(escapedBody(doc))).toBe(true);
    });
    expect(escaped.at(-1)).toBeUndefined();
    expect(escaped.at(ODD.length)).toBeUndefined();
  });

  it("is rebuilt from its shared parts (what a worker thread does), and made once per array", () => {
    const escaped = escapedDocumentsOf(ODD);
    expect(escapedDocumentsOf(ODD)).toBe(escaped);
    const view = new EscapedDocuments(structuredClone(escaped.parts));
    for (let i = 0; i < ODD.length; i++) expect(view.at(i)).toEqual(escaped.at(i));
    const sized = new SizedCorpus(ODD, new Uint32Array(ODD.length).fill(1), DEFAULT_LAYOUT, { escaped });
    const docs = SharedDocuments.from(ODD);
    const worker = SizedCorpus.fromShared(structuredClone(sized.shared(docs.parts)), docs);
    expect(worker.escaped?.at(2)).toEqual(escaped.at(2));
  });
});

describe("renderContextJson", () => {
  const unit = fc.constantFrom("a", " ", "\n", '"', "\\", "\u0001", "é", "中", "😀", "\ud83d", "\ude00");
  const doc = fc.string({ unit, maxLength: 10 });

  it("is the escaped context, joined from the documents' escaped forms", () => {
    const layouts = [DEFAULT_LAYOUT, parseLayout('Doc "{i}"\t', "\n--\n")];
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 8 }), fc.constantFrom(...layouts), (docs, layout) => {
        const escaped = EscapedDocuments.from(docs);
        const bodies = docs.map((_, i) => escaped.at(i));
        fc.pre(bodies.every((b) => b !== undefined));
        const json = renderContextJson(layout, bodies as Uint8Array[]) as Uint8Array;
        expect(Buffer.from(json).equals(escapedBody(renderContext(layout, docs)))).toBe(true);
      }),
      { numRuns: 400, seed: 21 },
    );
  });

  it("gives nothing for a layout whose separator or header may pair with a neighbour", () => {
    const body = [escapedBody("one"), escapedBody("two")];
    expect(renderContextJson(parseLayout("P{i}:\n", "\ude00"), body)).toBeUndefined();
    expect(renderContextJson(parseLayout("{i}\ud83d", "\n"), body)).toBeUndefined();
    expect(renderContextJson(parseLayout("P{i}:\n", "\n"), body)).toBeDefined();
  });
});
