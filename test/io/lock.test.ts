import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, LockedError, WriteError } from "../../src/errors.js";
import {
  acquireLock,
  heldLocks,
  type LockHolder,
  lockPathFor,
  releaseHeldLocksSync,
  withLock,
} from "../../src/io/lock.js";

let dir: string;
let deadPid: number;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-lock-"));
  deadPid = spawnSync(process.execPath, ["-e", ""]).pid as number;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function holderOf(path: string): Promise<LockHolder> {
  return JSON.parse(await readFile(path, "utf8")) as LockHolder;
}

async function writeLock(path: string, holder: Partial<LockHolder> | string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, typeof holder === "string" ? holder : `${JSON.stringify(holder)}\n`);
}

describe("acquireLock", () => {
  it("creates <output>.lock with pid, host and start time as JSON, and release removes it", async () => {
    const path = lockPathFor(join(dir, "a", "out.jsonl"));
    expect(path).toBe(join(dir, "a", "out.jsonl.lock"));
    const lock = await acquireLock(path, { now: () => new Date("2025-01-02T03:04:05.000Z") });
    expect(await holderOf(path)).toEqual({
      pid: process.pid,
      host: hostname(),
      started_at: "2025-01-02T03:04:05.000Z",
    });
    expect(heldLocks()).toEqual([path]);
    await lock.release();
    expect(existsSync(path)).toBe(false);
    expect(heldLocks()).toEqual([]);
    await lock.release(); // twice: harmless
  });

  it("two holders: the second is refused with a LockedError naming the lock file, pid and host (exit 2)", async () => {
    const path = join(dir, "two", "out.jsonl.lock");
    const first = await acquireLock(path, { what: '"out.jsonl"' });
    const error = await acquireLock(path, { what: '"out.jsonl"' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as LockedError).exitCode).toBe(2);
    expect((error as LockedError).lockPath).toBe(path);
    expect((error as LockedError).holder).toEqual(first.holder);
    expect((error as Error).message).toBe(
      `Cannot lock "out.jsonl": another run (pid ${process.pid} on host ${hostname()}, started ${first.holder.started_at}) is writing it and holds "${path}". Wait for it to finish (or stop it) and run again, or write to another output.`,
    );
    await first.release();
    const again = await acquireLock(path);
    await again.release();
  });

  it("a live process of this host holds it: refused", async () => {
    const path = join(dir, "live", "x.lock");
    await writeLock(path, { pid: process.ppid, host: hostname(), started_at: "2025-01-01T00:00:00.000Z" });
    await expect(acquireLock(path)).rejects.toThrow(`pid ${process.ppid} on host ${hostname()}`);
    expect((await holderOf(path)).pid).toBe(process.ppid);
  });

  it("takes over a stale lock (same host, process gone) with a note", async () => {
    const path = join(dir, "stale", "x.lock");
    await writeLock(path, { pid: deadPid, host: hostname(), started_at: "2025-01-01T00:00:00.000Z" });
    const notes: string[] = [];
    const lock = await acquireLock(path, { onNote: (m) => notes.push(m) });
    expect(notes).toEqual([
      `taking over the lock "${path}" of pid ${deadPid} on ${hostname()} (started 2025-01-01T00:00:00.000Z), which is no longer running`,
    ]);
    expect((await holderOf(path)).pid).toBe(process.pid);
    await lock.release();
  });

  it("takes over a lock of this pid that this process does not hold (a container restarted under the same pid)", async () => {
    const path = join(dir, "restarted", "x.lock");
    await writeLock(path, { pid: process.pid, host: hostname(), started_at: "2025-01-01T00:00:00.000Z" });
    const notes: string[] = [];
    const lock = await acquireLock(path, { onNote: (m) => notes.push(m) });
    expect(notes).toHaveLength(1);
    expect(lock.holder.started_at).not.toBe("2025-01-01T00:00:00.000Z");
    await lock.release();
  });

  it("refuses a lock from another host, with advice", async () => {
    const path = join(dir, "other-host", "x.lock");
    await writeLock(path, { pid: deadPid, host: "gpu-node-17", started_at: "2025-01-01T00:00:00.000Z" });
    const error = await acquireLock(path, { what: '"x"' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as Error).message).toBe(
      `Cannot lock "x": "${path}" is held by pid ${deadPid} on host gpu-node-17, started 2025-01-01T00:00:00.000Z, and this host (${hostname()}) cannot tell whether that process still runs. If no run on gpu-node-17 is writing "x" any more, delete "${path}" and run again.`,
    );
  });

  it("an unreadable lock file: refused while young (being written), replaced with a note once old", async () => {
    const path = join(dir, "torn", "x.lock");
    await writeLock(path, "");
    await expect(acquireLock(path)).rejects.toThrow(/is being written by another run/);
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const notes: string[] = [];
    const lock = await acquireLock(path, { onNote: (m) => notes.push(m) });
    expect(notes[0]).toMatch(/replacing the unreadable lock file/);
    await lock.release();
  });

  it("a lock that cannot be created (a file where its folder should be) is a WriteError", async () => {
    await writeFile(join(dir, "blocker"), "a file");
    const error = await acquireLock(join(dir, "blocker", "x.lock")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("ENOTDIR");
  });
});

describe("withLock", () => {
  it("releases the lock when the body throws, and rethrows unchanged", async () => {
    const path = join(dir, "throws", "x.lock");
    const boom = new Error("boom");
    await expect(
      withLock(path, {}, async () => {
        expect(existsSync(path)).toBe(true);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(existsSync(path)).toBe(false);
    expect(heldLocks()).toEqual([]);
  });

  it("returns the body's value and releases the lock", async () => {
    const path = join(dir, "ok", "x.lock");
    expect(await withLock(path, {}, async () => 42)).toBe(42);
    expect(existsSync(path)).toBe(false);
  });

  it("does not remove a lock that is no longer its own", async () => {
    const path = join(dir, "replaced", "x.lock");
    await withLock(path, {}, async () => {
      await writeFile(path, JSON.stringify({ pid: 1, host: "elsewhere", started_at: "x" }));
    });
    expect((await holderOf(path)).host).toBe("elsewhere");
  });
});

describe("releaseHeldLocksSync", () => {
  it("removes every lock held, at once (for exit and signal handlers)", async () => {
    const a = join(dir, "sync", "a.lock");
    const b = join(dir, "sync", "b.lock");
    await acquireLock(a);
    await acquireLock(b);
    expect(heldLocks().sort()).toEqual([a, b].sort());
    releaseHeldLocksSync();
    expect(existsSync(a) || existsSync(b)).toBe(false);
    expect(heldLocks()).toEqual([]);
  });
});
