/**
 * The only atomic writer: every output file is written under a temporary name beside it and renamed into place
 * once complete. A failed write of any kind (full disk, I/O error, no permission, a folder in the way) rejects
 * at once with a {@link WriteError} naming the final file and the cause, and the temporary file is removed.
 * Temporary files that exist are registered, so a signal handler can remove them ({@link removeLiveTempFilesSync});
 * those a killed process left (`kill -9`) are removed by the next write of the same file (see {@link AtomicFile.open}).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { systemErrorText, WriteError } from "../errors.js";

/**
 * A fresh temporary name beside `path` (same folder, so the final rename is atomic):
 * `<path>.<pid>.<8 hex digits>.tmp`. The pid tells a later write whether the writer still runs.
 */
export function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** The pid in a temporary name of `path`'s base name (`x.jsonl` → `x.jsonl.123.0badf00d.tmp` → 123). */
function tempPid(base: string, name: string): number | undefined {
  if (!name.startsWith(base)) return undefined;
  const m = /^\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(base.length));
  return m ? Number(m[1]) : undefined;
}

/**
 * Whether `pid` is a running process on this host: `kill(pid, 0)` succeeds, or fails only for want of
 * permission (another user's process). Used for stale temporary files and stale locks.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove the temporary files of `path` (and of no other file) that a writer killed before it could clean up
 * left behind (`kill -9`, power loss): those whose pid is not a running process on this host, and this
 * process's own that it is not writing (a container restarted under the same pid). A live writer's file is
 * never touched. Best effort: a folder that cannot be listed, or a file that cannot be removed, is left.
 */
async function removeStaleTempFiles(path: string): Promise<void> {
  const folder = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempPid(base, name);
    if (pid === undefined) continue;
    const tmp = join(folder, name);
    if (liveTemps.has(tmp) || (pid !== process.pid && isProcessRunning(pid))) continue;
    await rm(tmp, { force: true }).catch(() => {});
  }
}

/** Temporary files that may exist now: registered before they are created, removed once renamed or deleted. */
const liveTemps = new Set<string>();

/** The temporary files being written now (for tests and diagnostics). */
export function liveTempFiles(): string[] {
  return [...liveTemps];
}

/**
 * Remove every temporary file being written now, synchronously: for a signal or exit handler, where nothing
 * asynchronous runs any more. Errors are ignored (the file may be gone already).
 */
export function removeLiveTempFilesSync(): void {
  for (const path of liveTemps) {
    try {
      rmSync(path, { force: true });
    } catch {
      // Best effort: the process is going away.
    }
  }
  liveTemps.clear();
}

/** How {@link AtomicFile.open} writes its bytes. */
export interface AtomicFileOptions {
  /**
   * Opens the stream the bytes go to, given the temporary path: for tests that inject a failing device.
   * A `fs.WriteStream` is waited for until open. @default `createWriteStream(tmpPath, { flags: "wx" })`
   */
  createStream?: (tmpPath: string) => Writable;
}

/**
 * A file written under a temporary name and renamed into place on `commit()`; `abort()` removes it. Prefer
 * {@link writeAtomic}, which commits or aborts for you. Every failure is a {@link WriteError}, after which the
 * temporary file is already gone; `abort()` may still be called and does nothing more.
 */
export class AtomicFile {
  /** The final path. */
  readonly path: string;
  readonly tmpPath: string;
  private stream: Writable | undefined;
  private failure: WriteError | undefined;
  private discarding: Promise<void> | undefined;

  private constructor(path: string) {
    this.path = path;
    this.tmpPath = tempPathFor(path);
  }

  /**
   * Create the folder and the temporary file, after removing the stale temporary files of `path` that killed
   * writers left. Fails with a {@link WriteError} (nothing left behind).
   */
  static async open(path: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    const f = new AtomicFile(path);
    await createFolderOf(path);
    await removeStaleTempFiles(path);
    liveTemps.add(f.tmpPath);
    try {
      const create = options.createStream ?? ((tmp: string) => createWriteStream(tmp, { flags: "wx" }));
      const s: Writable = create(f.tmpPath);
      f.stream = s;
      s.on("error", (e: Error) => f.fail(e));
      if ((s as { pending?: boolean }).pending === true)
        await new Promise<void>((resolve, reject) => {
          const done = (e?: Error) => {
            s.off("open", opened);
            s.off("error", done);
            s.off("close", closed);
            if (e) reject(e);
            else resolve();
          };
          const opened = () => done();
          const closed = () => done(s.errored ?? new Error("the file closed before it opened"));
          s.once("open", opened);
          s.once("error", done);
          s.once("close", closed);
        });
    } catch (e) {
      f.fail(e);
    }
    if (f.failure) {
      await f.discard();
      throw f.failure;
    }
    return f;
  }

  /**
   * Write text or bytes; waits while the stream's buffer is full so memory stays bounded. A buffer must not be
   * changed until the promise resolves (it may be queued, not copied).
   */
  async write(data: string | Uint8Array): Promise<void> {
    if (this.failure) await this.check();
    const s = this.stream;
    if (!s) throw new Error(`AtomicFile "${this.path}" is already committed or aborted`);
    try {
      if (!s.write(data)) await drained(s);
    } catch (e) {
      this.fail(e);
    }
    if (this.failure) await this.check();
  }

  /** Flush, close and rename into place. On failure the temporary file is removed and a WriteError thrown. */
  async commit(): Promise<void> {
    await this.check();
    const s = this.stream;
    if (!s) throw new Error(`AtomicFile "${this.path}" is already committed or aborted`);
    this.stream = undefined;
    try {
      s.end();
      await finished(s);
      await rename(this.tmpPath, this.path);
      liveTemps.delete(this.tmpPath);
    } catch (e) {
      this.stream = s;
      this.fail(e);
      await this.check();
    }
  }

  /** Stop writing and remove the temporary file. Never throws; safe to call twice or after a failure. */
  async abort(): Promise<void> {
    if (this.stream === undefined && this.discarding === undefined) return; // committed
    await this.discard();
  }

  /** Record the first failure and start removing the temporary file. */
  private fail(e: unknown): void {
    this.failure ??= toWriteError(this.path, e);
    void this.discard();
  }

  /** Throw the failure, once the temporary file is gone. */
  private async check(): Promise<void> {
    if (this.failure === undefined) return;
    await this.discard();
    throw this.failure;
  }

  private discard(): Promise<void> {
    this.discarding ??= (async () => {
      const s = this.stream;
      this.stream = undefined;
      if (s) {
        s.destroy();
        await finished(s).catch(() => {});
      }
      await rm(this.tmpPath, { force: true }).catch(() => {});
      liveTemps.delete(this.tmpPath);
    })();
    return this.discarding;
  }
}

/**
 * Write `path` atomically: `fill` writes the content to the open file; when it returns the file is committed,
 * when it throws (or a write fails) the temporary file is removed and the error rethrown. I/O failures are
 * {@link WriteError}s; errors of `fill` pass through unchanged. Returns what `fill` returns.
 */
export async function writeAtomic<T>(
  path: string,
  fill: (file: AtomicFile) => Promise<T>,
  options: AtomicFileOptions = {},
): Promise<T> {
  const file = await AtomicFile.open(path, options);
  try {
    const result = await fill(file);
    await file.commit();
    return result;
  } catch (e) {
    await file.abort();
    throw e;
  }
}

/** Write a whole file atomically (temp file in the same folder, then rename); a {@link WriteError} on failure. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicFileOptions = {},
): Promise<void> {
  await writeAtomic(path, (file) => file.write(data), options);
}

/** Resolves on `drain`; rejects when the stream fails or closes first (neither ever drains). */
function drained(s: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (s.errored) return reject(s.errored);
    if (s.destroyed) return reject(new Error("the stream was closed"));
    const done = (e?: Error | null) => {
      s.off("drain", drainedNow);
      s.off("error", done);
      s.off("close", closed);
      if (e) reject(e);
      else resolve();
    };
    const drainedNow = () => done();
    const closed = () => done(s.errored ?? new Error("the stream closed before its data was written"));
    s.once("drain", drainedNow);
    s.once("error", done);
    s.once("close", closed);
  });
}

/**
 * Create the folder of the file `path` (and its parents); a {@link WriteError} naming the file when it cannot
 * be made. A file where a folder should be is reported as ENOTDIR (`mkdir -p` says EEXIST).
 */
export async function createFolderOf(path: string): Promise<void> {
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (e) {
    const cause =
      (e as NodeJS.ErrnoException).code === "EEXIST"
        ? Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${folder}'`), {
            code: "ENOTDIR",
            cause: e,
          })
        : e;
    throw toWriteError(path, cause, `cannot create its folder "${folder}"`);
  }
}

/**
 * `e` as a {@link WriteError} of the final file `path` (unchanged when it is one already); `step`, when given,
 * says what failed (`cannot create its folder "out"`).
 */
export function toWriteError(path: string, e: unknown, step?: string): WriteError {
  if (e instanceof WriteError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const text =
    (typeof code === "string" ? systemErrorText(code) : undefined) ??
    (e instanceof Error ? e.message : String(e));
  const reason = step === undefined ? text : `${step}: ${text}`;
  return new WriteError(path, reason, typeof code === "string" ? code : undefined, { cause: e });
}
