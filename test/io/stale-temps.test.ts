import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AtomicFile, isProcessRunning, writeFileAtomic } from "../../src/io/atomic.js";

let dir: string;
let sleeper: ChildProcess;
/** The pid of a process that has exited (and, with pids not reused this fast, runs no more). */
let deadPid: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-stale-"));
  sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  const done = spawnSync(process.execPath, ["-e", ""]);
  deadPid = done.pid as number;
});
afterAll(async () => {
  sleeper.kill();
  await rm(dir, { recursive: true, force: true });
});

const tmpName = (final: string, pid: number, hex = "0badf00d") => `${final}.${pid}.${hex}.tmp`;

describe("stale temporary files", () => {
  it("isProcessRunning: this process and a sleeping child run; an exited process does not", () => {
    expect(isProcessRunning(process.pid)).toBe(true);
    expect(isProcessRunning(sleeper.pid as number)).toBe(true);
    expect(isProcessRunning(deadPid)).toBe(false);
  });

  it("the next write of a file removes its temporary files whose process is gone, and only those", async () => {
    const folder = join(dir, "sweep");
    await writeFileAtomic(join(folder, "x.jsonl"), "old\n");
    const final = join(folder, "x.jsonl");
    const stale = tmpName(final, deadPid);
    const live = tmpName(final, sleeper.pid as number, "deadbeef");
    const otherFinal = tmpName(join(folder, "y.jsonl"), deadPid);
    const sidecar = tmpName(join(folder, "x.jsonl.meta.json"), deadPid);
    const notOurs = `${final}.${deadPid}.tmp`; // not the writer's pattern: someone else's file
    for (const f of [stale, live, otherFinal, sidecar, notOurs]) await writeFile(f, "partial");

    await writeFileAtomic(final, "new\n");

    const left = (await readdir(folder)).sort();
    expect(left).toEqual(
      [
        "x.jsonl",
        `x.jsonl.${sleeper.pid}.deadbeef.tmp`,
        `x.jsonl.${deadPid}.tmp`,
        `x.jsonl.meta.json.${deadPid}.0badf00d.tmp`,
        `y.jsonl.${deadPid}.0badf00d.tmp`,
      ].sort(),
    );
    expect(await readFile(final, "utf8")).toBe("new\n");
  });

  it("removes a temporary file of this process's pid that this process is not writing (a restarted container)", async () => {
    const final = join(dir, "same-pid", "x.jsonl");
    const open = await AtomicFile.open(join(dir, "same-pid", "x.jsonl"));
    const leftover = tmpName(final, process.pid);
    await writeFile(leftover, "from an earlier process with this pid");
    await writeFileAtomic(final, "x\n");
    const left = (await readdir(join(dir, "same-pid"))).sort();
    // The file this process is writing stays; the leftover with its pid goes.
    expect(left).toEqual(["x.jsonl", open.tmpPath.slice(join(dir, "same-pid").length + 1)].sort());
    await open.abort();
  });
});
