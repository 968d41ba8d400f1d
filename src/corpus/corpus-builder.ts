import { InputError, type Place } from "../errors.js";
import { DocTable } from "./doc-table.js";
import type { SkipReason, SourceItem } from "./source-qa.js";
import {
  type Corpus,
  DROPPED_PLACES_KEPT,
  type DroppedRecords,
  type DropReason,
  type FormatName,
  type QaRecord,
} from "./types.js";

/** What to do with a question whose id an earlier kept question of the same data set has. */
export type DuplicateIds = "error" | "keep-first";

export const DUPLICATE_ID_MODES: readonly DuplicateIds[] = ["error", "keep-first"];

/** The largest document a reader accepts by default: 4 MiB of UTF-8 text. @unit bytes */
export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Options of {@link CorpusBuilder}. */
export interface CorpusBuilderOptions {
  /** A repeated question id: an {@link InputError} naming both places, or keep the first. @default "error" */
  duplicateIds?: DuplicateIds;
  /** The largest document accepted; a larger one is an {@link InputError}. @unit bytes @default 4194304 */
  maxDocumentBytes?: number;
}

/**
 * Assembles a {@link Corpus} from a reader's source questions, in file order. Only kept questions put their
 * documents into the table: a dropped question (unanswerable, impossible, no supporting paragraph, a
 * supporting title missing from its context, a repeated id) adds nothing, so every document belongs to at
 * least one record. Every dropped question is counted by reason, with the place of the first few.
 */
export class CorpusBuilder {
  private readonly table = new DocTable();
  private readonly qas: QaRecord[] = [];
  private readonly skipped: Record<string, number> = {};
  private readonly dropped = new Map<DropReason, DroppedRecords>();
  /** Where each kept question id was first seen. */
  private readonly idPlaces = new Map<string, Place>();
  private readonly duplicateIds: DuplicateIds;
  private readonly maxDocumentBytes: number;
  private position = 0;

  constructor(
    private readonly format: FormatName,
    private readonly source: string,
    options: CorpusBuilderOptions = {},
  ) {
    this.duplicateIds = options.duplicateIds ?? "error";
    this.maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  }

  /** Source questions seen so far, kept or dropped. */
  get recordsRead(): number {
    return this.position;
  }

  /** Adds the next source question. Its `sourcePosition` is the number of questions added before it. */
  add(item: SourceItem): void {
    const sourcePosition = this.position++;
    if ("skip" in item) {
      this.drop(item.skip, item.place);
      return;
    }
    const { qa, place } = item;
    for (const doc of qa.documents) this.checkSize(doc.text, { ...place, field: doc.field });
    this.count("empty_paragraph", qa.emptyParagraphs);
    if (!qa.documents.some((doc) => doc.gold)) {
      this.drop("no_supporting", place);
      return;
    }
    const first = this.idPlaces.get(qa.id);
    if (first !== undefined) {
      if (this.duplicateIds === "keep-first") {
        this.drop("duplicate_id", place);
        return;
      }
      throw new InputError(
        `the question id ${JSON.stringify(qa.id)} is used twice in this data set: first at ${describePlace(first)}, ` +
          `again at ${describePlace(place)}. Ids must be unique within a data set; ` +
          '--duplicate-ids keep-first (duplicateIds: "keep-first") keeps the first and counts the others as dropped',
        place,
      );
    }
    this.idPlaces.set(qa.id, place);
    const docs: number[] = [];
    const goldIds = new Set<number>();
    for (const doc of qa.documents) {
      const id = this.table.add(doc.text);
      if (!docs.includes(id)) docs.push(id);
      if (doc.gold) goldIds.add(id);
    }
    const gold = docs.filter((id) => goldIds.has(id));
    const record: QaRecord = {
      id: qa.id,
      question: qa.question,
      answers: qa.answers,
      aliases: qa.aliases,
      docs,
      gold,
      hops: qa.hops ?? gold.length,
      sourcePosition,
    };
    if (qa.meta !== undefined) record.meta = qa.meta;
    this.qas.push(record);
  }

  finish(): Corpus {
    return {
      format: this.format,
      source: this.source,
      docs: this.table.docs,
      qas: this.qas,
      skipped: this.skipped,
      dropped: [...this.dropped.values()],
    };
  }

  private drop(reason: DropReason, place: Place): void {
    this.count(reason);
    let entry = this.dropped.get(reason);
    if (entry === undefined) {
      entry = { reason, count: 0, places: [] };
      this.dropped.set(reason, entry);
    }
    entry.count++;
    if (entry.places.length < DROPPED_PLACES_KEPT) entry.places.push(place);
  }

  private count(reason: SkipReason, n = 1): void {
    if (n > 0) this.skipped[reason] = (this.skipped[reason] ?? 0) + n;
  }

  /** A document larger than the limit is an error naming its place and size (checked cheaply first). */
  private checkSize(text: string, place: Place): void {
    const max = this.maxDocumentBytes;
    // UTF-8 takes at most three bytes per UTF-16 code unit: most documents need no count.
    if (text.length * 3 <= max) return;
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes <= max) return;
    throw new InputError(
      `the document is ${formatCount(bytes)} bytes of text, more than the limit of ${formatCount(max)} bytes; ` +
        "raise it with --max-document-bytes (maxDocumentBytes) if such documents are intended",
      place,
    );
  }
}

/** `line 3`, `line 3 record 2`, `field "data[0].paragraphs[1].qas[2]"`: where a record is, for messages. */
function describePlace(place: Place): string {
  const parts: string[] = [];
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  if (place.record !== undefined) parts.push(`record ${place.record}`);
  if (place.field !== undefined) parts.push(`field "${place.field}"`);
  return parts.length > 0 ? parts.join(" ") : "an earlier record";
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
