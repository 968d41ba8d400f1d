import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** A fresh temporary name beside `path` (same folder, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** A file written under a temporary name and renamed into place on `commit()`; `abort()` removes it. */
export class AtomicFile {
  readonly path: string;
  readonly tmpPath: string;
  private stream: WriteStream | undefined;
  private failed: Error | undefined;

  private constructor(path: string) {
    this.path = path;
    this.tmpPath = tempPathFor(path);
  }

  static async open(path: string): Promise<AtomicFile> {
    const f = new AtomicFile(path);
    await mkdir(dirname(path), { recursive: true });
    f.stream = createWriteStream(f.tmpPath, { flags: "wx" });
    f.stream.on("error", (e) => {
      f.failed = e;
    });
    await new Promise<void>((resolve, reject) => {
      f.stream?.once("open", () => resolve());
      f.stream?.once("error", reject);
    });
    return f;
  }

  /** Write text; waits when the stream's buffer is full so memory stays bounded. */
  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    const s = this.stream;
    if (!s) throw new Error(`AtomicFile ${this.path} is closed`);
    if (!s.write(text)) await new Promise<void>((resolve) => s.once("drain", () => resolve()));
  }

  async commit(): Promise<void> {
    await this.close();
    if (this.failed) throw this.failed;
    await rename(this.tmpPath, this.path);
  }

  async abort(): Promise<void> {
    await this.close().catch(() => {});
    await rm(this.tmpPath, { force: true });
  }

  private async close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (!s) return;
    await new Promise<void>((resolve, reject) =>
      s.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

/** Write a whole file atomically (temp file in the same folder, then rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
