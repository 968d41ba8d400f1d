/**
 * Helpers of the fault-injection suite (test/cli/fault-injection.test.ts): the built CLI started without
 * blocking (so a loopback server in the test process can answer it), timed; the files of a folder and their
 * hashes with per-run fields masked; a device that fills up after N bytes; and the table of what was measured.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join, relative } from "node:path";
import { Writable } from "node:stream";
import { BIN } from "./cli.js";

/** How a CLI process ended. */
export interface Ended {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any (the default action: no handler ran). */
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  /** From spawn to close. @unit ms */
  ms: number;
}

/** A running CLI process and how it ends. */
export interface Running {
  child: ChildProcess;
  ended: Promise<Ended>;
  /** Whether the process has ended (its `close` event came). */
  done(): boolean;
}

/** Start the built CLI in `cwd`; stdout and stderr are collected. `timeoutMs` kills a hung run (SIGKILL). */
export function startCli(
  cwd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Running {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let closed = false;
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const timer = setTimeout(() => {
    err += `\n[test] killed after ${options.timeoutMs ?? 60_000} ms: the run hangs\n`;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 60_000);
  const ended = new Promise<Ended>((resolve) =>
    child.on("close", (code, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve({ code, signal, out, err, ms: performance.now() - t0 });
    }),
  );
  return { child, ended, done: () => closed };
}

/** Every file under `folder` (relative to it, `/`-separated, sorted), skipping the files and folders in `skip`. */
export function filesUnder(folder: string, skip: readonly string[] = []): string[] {
  if (!existsSync(folder)) return [];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const full = join(d, e.name);
      if (skip.includes(relative(folder, full))) return [];
      return e.isDirectory() ? walk(full) : [relative(folder, full)];
    });
  return walk(folder).sort();
}

/** Temporary files (the atomic writer's are `<file>.<pid>.<8 hex>.tmp`) and locks among `files`. */
export function leftovers(files: readonly string[]): { temps: string[]; locks: string[] } {
  return {
    temps: files.filter((f) => f.endsWith(".tmp")),
    locks: files.filter((f) => f.endsWith(".lock")),
  };
}

/**
 * A manifest with what legitimately differs between a run and a resumed run masked, as scripts/golden-run.sh
 * masks it (timings, clock times, the cache folder), plus the per-run step status of a resume: a step a rerun
 * finds done is "skipped-existing" where the uninterrupted run says "done" (and gives no `reason`).
 */
export function maskManifest(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => maskManifest(v));
  if (value !== null && typeof value === "object") {
    const o = value as Record<string, unknown>;
    const masked: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === "reason") continue;
      masked[k] = k === "timings_ms" ? null : maskManifest(v, k);
    }
    // Pipeline totals: a resumed run counts the steps it found done apart.
    if (key === "totals" && typeof o.done === "number" && typeof o["skipped-existing"] === "number") {
      masked.done = o.done + o["skipped-existing"];
      masked["skipped-existing"] = 0;
    }
    return masked;
  }
  if (/^(cacheDir|started_at|finished_at|updated_at|created_at)$/.test(key) && value !== null)
    return "<masked>";
  if (key === "status" && value === "skipped-existing") return "done";
  return value;
}

/** sha256 of every file under `folder` (relative path → hex), manifests masked by {@link maskManifest}. */
export function snapshot(folder: string, skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of filesUnder(folder, skip)) {
    let bytes: Buffer | string = readFileSync(join(folder, f));
    if (/(^|\/)manifest\.json$/.test(f))
      bytes = JSON.stringify(maskManifest(JSON.parse(bytes.toString("utf8"))));
    out.set(f, createHash("sha256").update(bytes).digest("hex"));
  }
  return out;
}

/** What differs between two snapshots: files only in one, files with other bytes. Empty when identical. */
export function snapshotDiff(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const diff: string[] = [];
  for (const [f, h] of expected) {
    const a = actual.get(f);
    if (a === undefined) diff.push(`missing ${f}`);
    else if (a !== h) diff.push(`differs ${f}`);
  }
  for (const f of actual.keys()) if (!expected.has(f)) diff.push(`extra ${f}`);
  return diff;
}

/** A system error as node:fs makes them. */
export function systemError(code: string, syscall: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, syscall });
}

/**
 * A device with room for `capacity` bytes, for `createStream` of the atomic writer: the temporary file is
 * created for real and receives the bytes that fit; the write that overflows stores what fits, then fails
 * with ENOSPC (after a turn, as a real write does). With `failOnClose`, every write fits and the close fails
 * with ENOSPC instead (a filesystem that reports the full disk when the data is flushed).
 */
export function fullDevice(
  capacity: number,
  options: { failOnClose?: boolean } = {},
): (tmpPath: string) => Writable {
  return (tmpPath) => {
    const fd = openSync(tmpPath, "wx");
    let used = 0;
    let open = true;
    const close = () => {
      if (open) closeSync(fd);
      open = false;
    };
    const enospc = () => systemError("ENOSPC", "write", "no space left on device");
    return new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        const room = options.failOnClose ? chunk.length : Math.max(0, capacity - used);
        const n = Math.min(room, chunk.length);
        if (n > 0) writeSync(fd, chunk, 0, n);
        used += n;
        if (n < chunk.length) setImmediate(() => callback(enospc()));
        else setImmediate(callback);
      },
      final(callback) {
        close();
        if (options.failOnClose) setImmediate(() => callback(enospc()));
        else callback();
      },
      destroy(error, callback) {
        close();
        callback(error);
      },
    });
  };
}

/** `promise`, or a rejection after `ms`: a write that waits forever must fail the test, not hang it. */
export function settleWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms (a hang)`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One row of the table the issue asks for. */
export interface FaultRow {
  case: string;
  exit: string;
  message: string;
  left: string;
  rerun: string;
}

/** A Markdown table of the rows (pipes and newlines in cells escaped). */
export function renderTable(rows: readonly FaultRow[]): string {
  const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", "⏎");
  const lines = [
    "| case | exit code | message | files left | rerun identical |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${[r.case, r.exit, r.message, r.left, r.rerun].map(cell).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}
