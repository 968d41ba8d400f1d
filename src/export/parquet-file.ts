import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import {
  ByteWriter,
  type ColumnSource,
  ParquetWriter,
  type SchemaElement,
  type Writer,
} from "hyparquet-writer";
import { tempPathFor } from "../io/atomic.js";

/**
 * A parquet file written row group by row group under a temporary name and renamed into place on `commit()`
 * (`abort()` removes it). Only the current row group is held in memory. The bytes depend only on the schema
 * and the rows: no timestamps, fixed `created_by`.
 */
export class AtomicParquetFile {
  readonly path: string;
  readonly tmpPath: string;
  rows = 0;
  private readonly handle: FileHandle;
  private readonly bytes: ByteWriter & Writer;
  private readonly parquet: ParquetWriter;
  private done = false;

  private constructor(path: string, tmpPath: string, handle: FileHandle, schema: SchemaElement[]) {
    this.path = path;
    this.tmpPath = tmpPath;
    this.handle = handle;
    this.bytes = new ByteWriter(1 << 20);
    // Every row group goes to the file as soon as it is encoded: ParquetWriter awaits `flush` between groups.
    this.bytes.flush = () => this.drain();
    this.bytes.finish = () => this.drain();
    this.parquet = new ParquetWriter({
      writer: this.bytes,
      schema,
      codec: "SNAPPY",
      createdBy: "keychain-synth",
    });
  }

  static async open(path: string, schema: SchemaElement[]): Promise<AtomicParquetFile> {
    await mkdir(dirname(path), { recursive: true });
    const tmpPath = tempPathFor(path);
    const handle = await open(tmpPath, "wx");
    return new AtomicParquetFile(path, tmpPath, handle, schema);
  }

  /** Write the rows as one row group (nothing for zero rows). */
  async writeRowGroup(columnData: ColumnSource[]): Promise<void> {
    const n = columnData[0]?.data.length ?? 0;
    if (n === 0) return;
    await this.parquet.write({ columnData, rowGroupSize: n });
    this.rows += n;
  }

  /** Write the footer, close and rename into place. A file with no row groups is a valid 0-row file. */
  async commit(): Promise<void> {
    await this.parquet.finish();
    await this.close();
    await rename(this.tmpPath, this.path);
  }

  async abort(): Promise<void> {
    await this.close().catch(() => {});
    await rm(this.tmpPath, { force: true });
  }

  private async drain(): Promise<void> {
    const w = this.bytes;
    if (w.index === 0) return;
    const chunk = new Uint8Array(w.buffer, 0, w.index);
    let at = 0;
    while (at < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, at, chunk.length - at);
      at += bytesWritten;
    }
    w.index = 0;
  }

  private async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close();
  }
}
