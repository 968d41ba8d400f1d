import { DocTable } from "./doc-table.js";
import type { SkipReason, SourceItem } from "./source-qa.js";
import type { Corpus, FormatName, QaRecord } from "./types.js";

/**
 * Assembles a {@link Corpus} from a reader's source questions, in file order. Only kept questions put their
 * documents into the table: a skipped question (unanswerable, impossible, no supporting paragraph) adds
 * nothing, so every document belongs to at least one record.
 */
export class CorpusBuilder {
  private readonly table = new DocTable();
  private readonly qas: QaRecord[] = [];
  private readonly skipped: Record<string, number> = {};
  private position = 0;

  constructor(
    private readonly format: FormatName,
    private readonly source: string,
  ) {}

  /** Source questions seen so far, kept or skipped. */
  get recordsRead(): number {
    return this.position;
  }

  /** Adds the next source question. Its `sourcePosition` is the number of questions added before it. */
  add(item: SourceItem): void {
    const sourcePosition = this.position++;
    if ("skip" in item) {
      this.count(item.skip);
      return;
    }
    const { qa } = item;
    this.count("empty_paragraph", qa.emptyParagraphs);
    if (!qa.documents.some((doc) => doc.gold)) {
      this.count("no_supporting");
      return;
    }
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
    };
  }

  private count(reason: SkipReason, n = 1): void {
    if (n > 0) this.skipped[reason] = (this.skipped[reason] ?? 0) + n;
  }
}
