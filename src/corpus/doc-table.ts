/**
 * The deduplicated document table of a corpus: exact string equality, first-seen order, and a document's id
 * is its index in {@link DocTable.docs}.
 */
export class DocTable {
  readonly docs: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `doc`, adding it at the end when it is new. */
  add(doc: string): number {
    let id = this.ids.get(doc);
    if (id === undefined) {
      id = this.docs.length;
      this.docs.push(doc);
      this.ids.set(doc, id);
    }
    return id;
  }

  get size(): number {
    return this.docs.length;
  }
}
