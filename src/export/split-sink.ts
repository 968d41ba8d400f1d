import type { Rng } from "../rng.js";
import type { AtomicParquetFile } from "./parquet-file.js";
import type { ExportRecord } from "./records.js";
import { type RowOptions, type SplitName, toColumnData, toVerlRow, type VerlRow } from "./verl-row.js";

/** When a split's gathered rows are written as one row group. */
export interface RowGroupLimits {
  /** Most rows per row group. */
  rowGroupRows: number;
  /** Most prompt characters per row group. */
  rowGroupChars: number;
}

/**
 * One split's output file and the row group being gathered for it: at most one row group is held in memory.
 * Rows are written in the order they are added, or, with `order`, each row group's rows in an order drawn
 * from it. Either way `extra_info.index` is the row's position in the file.
 */
export class SplitSink {
  private rows: VerlRow[] = [];
  private chars = 0;
  private added = 0;
  private flushed = 0;

  /** Rows added so far. */
  get count(): number {
    return this.added;
  }

  constructor(
    readonly split: SplitName,
    readonly file: AtomicParquetFile,
    private readonly limits: RowGroupLimits,
    private readonly order?: Rng,
  ) {}

  /** Add a record as the next row. */
  async add(record: ExportRecord, options: RowOptions): Promise<void> {
    const row = toVerlRow(record, this.split, this.added++, options);
    this.rows.push(row);
    for (const m of row.prompt) this.chars += m.content.length;
    if (this.rows.length >= this.limits.rowGroupRows || this.chars >= this.limits.rowGroupChars)
      await this.flush();
  }

  /** Write the gathered rows as one row group. */
  async flush(): Promise<void> {
    if (this.order) {
      this.order.shuffle(this.rows);
      this.rows.forEach((row, k) => {
        row.extra_info.index = this.flushed + k;
      });
    }
    await this.file.writeRowGroup(toColumnData(this.rows));
    this.flushed += this.rows.length;
    this.rows = [];
    this.chars = 0;
  }
}
