import {
  ByteWriter,
  type ColumnSource,
  ParquetWriter,
  type SchemaElement,
  type Writer,
} from "hyparquet-writer";
import { AtomicFile, type AtomicFileOptions } from "../io/atomic.js";

/**
 * A parquet file written row group by row group under a temporary name and renamed into place on `commit()`
 * (`abort()` removes it); the temporary file, its registration and every failure (a `WriteError` naming the
 * final file) are those of {@link AtomicFile}. Only the current row group is held in memory. The bytes depend
 * only on the schema and the rows: no timestamps, fixed `created_by`.
 */
export class AtomicParquetFile {
  readonly path: string;
  rows = 0;
  private readonly file: AtomicFile;
  private readonly bytes: ByteWriter & Writer;
  private readonly parquet: ParquetWriter;

  private constructor(file: AtomicFile, schema: SchemaElement[]) {
    this.path = file.path;
    this.file = file;
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

  /** The temporary name the file is written under until `commit()`. */
  get tmpPath(): string {
    return this.file.tmpPath;
  }

  /** Create the folder and the temporary file; `options` are {@link AtomicFile.open}'s (a test's stream). */
  static async open(
    path: string,
    schema: SchemaElement[],
    options: AtomicFileOptions = {},
  ): Promise<AtomicParquetFile> {
    const file = await AtomicFile.open(path, options);
    try {
      return new AtomicParquetFile(file, schema);
    } catch (e) {
      await file.abort();
      throw e;
    }
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
    await this.file.commit();
  }

  /** Remove the temporary file. Never throws; safe after a failure or a second time. */
  async abort(): Promise<void> {
    await this.file.abort();
  }

  /** Hand the encoded bytes to the file and empty the buffer (copied: the buffer is reused at once). */
  private async drain(): Promise<void> {
    const w = this.bytes;
    if (w.index === 0) return;
    const chunk = new Uint8Array(w.buffer, 0, w.index).slice();
    w.index = 0;
    await this.file.write(chunk);
  }
}
