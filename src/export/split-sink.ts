import { join } from "node:path";
import type { Rng } from "../rng.js";
import { AtomicParquetFile } from "./parquet-file.js";
import type { ExportRecord } from "./records.js";
import type { SplitPlan } from "./splits.js";
import {
  type RowOptions,
  type SplitName,
  toColumnData,
  toVerlRow,
  VERL_SCHEMA,
  type VerlRow,
} from "./verl-row.js";

/** The splits, in the order of their files and of {@link splitOfRows}' numbers. */
export const SPLIT_NAMES: readonly SplitName[] = ["train", "test", "valid"];

/** The split of each of `rows` rows as its index in {@link SPLIT_NAMES}, −1 for a row in none. */
export function splitOfRows(rows: number, plan: Pick<SplitPlan, SplitName>): Int8Array {
  const splitOf = new Int8Array(rows).fill(-1);
  SPLIT_NAMES.forEach((s, k) => {
    for (const i of plan[s]) splitOf[i] = k;
  });
  return splitOf;
}

/**
 * `train.parquet`, `test.parquet` and `valid.parquet` in `outDir`, all or nothing: one sink per split (made by
 * `sink` from its open file), filled by `write`, then flushed and committed together; when anything throws,
 * all three are removed. Returns the sinks (their counts).
 */
export async function writeSplitFiles(
  outDir: string,
  sink: (split: SplitName, file: AtomicParquetFile) => SplitSink,
  write: (sinks: readonly SplitSink[]) => Promise<void>,
): Promise<SplitSink[]> {
  const sinks: SplitSink[] = [];
  try {
    for (const split of SPLIT_NAMES)
      sinks.push(sink(split, await AtomicParquetFile.open(join(outDir, `${split}.parquet`), VERL_SCHEMA)));
    await write(sinks);
    for (const s of sinks) await s.flush();
    for (const s of sinks) await s.file.commit();
  } catch (e) {
    await Promise.all(sinks.map((s) => s.file.abort()));
    throw e;
  }
  return sinks;
}

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
