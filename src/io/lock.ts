/**
 * One writer per output: a lock file beside (or inside) what a run writes, created with `wx` (it fails if the
 * file exists) and holding `{pid, host, started_at}` as JSON. A second run on the same output is refused with a
 * {@link LockedError} naming the lock file and its holder; a lock whose process is gone (same host, pid not
 * running) is taken over with a note; a lock from another host is refused, since this host cannot tell whether
 * its process still runs. Locks held are registered, so an exit or signal handler can release them
 * ({@link releaseHeldLocksSync}); a lock a killed process left (`kill -9`) is stale and taken over.
 */
import { readFileSync, rmSync } from "node:fs";
import { open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { LockedError } from "../errors.js";
import { createFolderOf, isProcessRunning, toWriteError } from "./atomic.js";

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601. */
  started_at: string;
}

export interface LockOptions {
  /** What the lock protects, for messages, e.g. `"out/x.jsonl"`. @default the lock path without `.lock` */
  what?: string;
  /** Told when a stale lock is taken over. @default the sink of {@link setLockNotes} (none until set) */
  onNote?: (message: string) => void;
  /** @default os.hostname() */
  host?: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default {@link isProcessRunning} */
  isRunning?: (pid: number) => boolean;
  /**
   * A lock file that cannot be read (a writer killed between creating and filling it) counts as stale once it
   * is older than this; younger, it is being written and the lock is refused. @unit ms @default 10000
   */
  unreadableGraceMs?: number;
}

/** A lock held by this process. */
export interface FileLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Remove the lock file, if it is still this lock's. Never throws; safe to call twice. */
  release(): Promise<void>;
}

/** Lock files this process holds now, by path, with their holder record. */
const held = new Map<string, LockHolder>();

let defaultNotes: ((message: string) => void) | undefined;

/** Where notes go when {@link acquireLock} is given no `onNote` (the CLI entry sets stderr). */
export function setLockNotes(sink: ((message: string) => void) | undefined): void {
  defaultNotes = sink;
}

/** The lock file of an output file: `<output>.lock`. */
export function lockPathFor(output: string): string {
  return `${output}.lock`;
}

/**
 * Take the lock file `path` (its folder is created), or throw a {@link LockedError} when another run holds it.
 * A stale lock (its process gone from this host, or this process's pid but not held here: a container
 * restarted under the same pid) is replaced, and `onNote` told. I/O failures are {@link WriteError}s.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<FileLock> {
  const host = options.host ?? hostname();
  const now = options.now ?? (() => new Date());
  const running = options.isRunning ?? isProcessRunning;
  const note = options.onNote ?? defaultNotes ?? (() => {});
  const what = options.what ?? `"${path.replace(/\.lock$/, "")}"`;
  const grace = options.unreadableGraceMs ?? 10_000;
  await createFolderOf(path);
  // A stale lock is replaced once; if another run takes the lock first, that run holds it.
  let tookOver = false;
  for (let tries = 0; tries < 5; tries++) {
    const holder: LockHolder = { pid: process.pid, host, started_at: now().toISOString() };
    if (await create(path, holder)) {
      held.set(path, holder);
      return { path, holder, release: () => release(path, holder) };
    }
    const found = await readHolder(path);
    if (found === "gone") continue; // released between our create and our read
    if (tookOver) throw lockedError(path, what, found === "unreadable" ? undefined : found, host);
    if (found === "unreadable") {
      const age = await ageMs(path, now());
      if (age !== undefined && age < grace)
        throw new LockedError(
          `Cannot lock ${what}: the lock file "${path}" is being written by another run (it is not complete yet); run again in a moment, or delete "${path}" if no other run is writing ${what}.`,
          path,
          undefined,
        );
      note(`replacing the unreadable lock file "${path}" (left by a run killed while taking it)`);
    } else {
      const stale =
        found.host === host && (found.pid === process.pid ? !held.has(path) : !running(found.pid));
      if (!stale) throw lockedError(path, what, found, host);
      note(
        `taking over the lock "${path}" of pid ${found.pid} on ${found.host} (started ${found.started_at}), which is no longer running`,
      );
    }
    tookOver = true;
    await rm(path, { force: true }).catch((e: unknown) => {
      throw toWriteError(path, e);
    });
  }
  throw lockedError(path, what, undefined, host);
}

/** Run `body` holding the lock `path`; the lock is released however `body` ends. */
export async function withLock<T>(path: string, options: LockOptions, body: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await body();
  } finally {
    await lock.release();
  }
}

/**
 * Release every lock this process holds, synchronously: for an exit or signal handler, where nothing
 * asynchronous runs any more. Errors are ignored.
 */
export function releaseHeldLocksSync(): void {
  for (const [path, holder] of held) {
    try {
      if (sameHolder(parseHolder(readFileSync(path, "utf8")), holder)) rmSync(path, { force: true });
    } catch {
      // Best effort: the process is going away.
    }
  }
  held.clear();
}

/** The locks this process holds now (for tests and diagnostics). */
export function heldLocks(): string[] {
  return [...held.keys()];
}

/** Create `path` with `holder` unless it exists (false then). */
async function create(path: string, holder: LockHolder): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw toWriteError(path, e);
  }
  try {
    await handle.writeFile(`${JSON.stringify(holder)}\n`);
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => {});
    await rm(path, { force: true }).catch(() => {});
    throw toWriteError(path, e);
  }
  return true;
}

async function release(path: string, holder: LockHolder): Promise<void> {
  if (held.get(path) !== holder) return;
  held.delete(path);
  try {
    // Only our own lock: a run that (wrongly) took it over keeps its own.
    if (sameHolder(parseHolder(await readFile(path, "utf8")), holder)) await rm(path, { force: true });
  } catch {
    // Gone already, or unreadable: nothing of ours to remove.
  }
}

async function readHolder(path: string): Promise<LockHolder | "unreadable" | "gone"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw toWriteError(path, e);
  }
  return parseHolder(text) ?? "unreadable";
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null;
    if (
      v !== null &&
      typeof v === "object" &&
      Number.isInteger(v.pid) &&
      typeof v.host === "string" &&
      typeof v.started_at === "string"
    )
      return { pid: v.pid as number, host: v.host, started_at: v.started_at };
  } catch {
    // not JSON: a torn lock file
  }
  return undefined;
}

function sameHolder(a: LockHolder | undefined, b: LockHolder): boolean {
  return a !== undefined && a.pid === b.pid && a.host === b.host && a.started_at === b.started_at;
}

async function ageMs(path: string, now: Date): Promise<number | undefined> {
  try {
    return now.getTime() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function lockedError(path: string, what: string, h: LockHolder | undefined, host: string): LockedError {
  if (h === undefined)
    return new LockedError(`Cannot lock ${what}: another run has just taken "${path}".`, path, undefined);
  const by = `pid ${h.pid} on host ${h.host}, started ${h.started_at}`;
  if (h.host !== host)
    return new LockedError(
      `Cannot lock ${what}: "${path}" is held by ${by}, and this host (${host}) cannot tell whether that process still runs. If no run on ${h.host} is writing ${what} any more, delete "${path}" and run again.`,
      path,
      h,
    );
  return new LockedError(
    `Cannot lock ${what}: another run (${by}) is writing it and holds "${path}". Wait for it to finish (or stop it) and run again, or write to another output.`,
    path,
    h,
  );
}
