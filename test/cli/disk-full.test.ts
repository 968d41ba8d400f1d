/**
 * A full disk, for real: a small tmpfs, mounted only when the tests run as root and `mount -t tmpfs` works
 * (skipped, saying so, otherwise). Unit tests cover the same through /dev/full (test/io/atomic.test.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT } from "../support/cli.js";

const root = join(tmpdir(), `ks-full-${process.pid}`);
const mountPoint = join(root, "disk");

/** Mount a 256 KiB tmpfs at `mountPoint`; why not, when it cannot be done. */
function mountTmpfs(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root";
  spawnSync("mkdir", ["-p", mountPoint]);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { encoding: "utf8" });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || "").trim()}`;
  return undefined;
}

const whyNot = mountTmpfs();
if (whyNot !== undefined) console.warn(`disk-full CLI tests skipped: ${whyNot}`);

let server: Server | undefined;
let url = "";

beforeAll(async () => {
  if (whyNot !== undefined) return;
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first`);
  // Fill the disk (the write stops with ENOSPC, keeping what fit): every later write fails with ENOSPC.
  await writeFile(join(mountPoint, "filler"), Buffer.alloc(512 * 1024, 1)).catch(() => {});
  server = createServer((_req, res) => {
    const body = Buffer.alloc(512 * 1024, 120);
    res.writeHead(200, { "content-length": String(body.length) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (whyNot === undefined) spawnSync("umount", [mountPoint]);
  await rm(root, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    child.on("close", (code) => resolve({ code, err }));
  });
}

/** Files on the full disk besides the filler (downloads keep their `.part` on purpose: they resume). */
function leftOnDisk(): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [relative(mountPoint, join(d, e.name))],
    );
  return walk(mountPoint).filter((f) => f !== "filler");
}

describe.skipIf(whyNot !== undefined)(
  "a full disk (tmpfs): exit 1, one line, no stack, no temporary file",
  () => {
    it.each([
      {
        name: "report",
        args: () => [
          "report",
          "-q",
          "-o",
          join(mountPoint, "r.html"),
          join(ROOT, "test/fixtures/report/plain.jsonl"),
        ],
        message: () =>
          `keychain-synth: Cannot write "${join(mountPoint, "r.html")}": no space left on device (ENOSPC)\n`,
      },
      {
        name: "export verl",
        args: () => [
          "export",
          "verl",
          "-i",
          join(ROOT, "test/fixtures/export/keychain.jsonl"),
          "-o",
          join(mountPoint, "v"),
        ],
        message: () =>
          new RegExp(
            `^keychain-synth: Cannot write "${join(mountPoint, "v")}/\\w+\\.parquet": no space left on device \\(ENOSPC\\)\\n$`,
          ),
      },
      {
        name: "download",
        args: () => ["download", "hotpotqa", "-q", "--data-dir", join(mountPoint, "data"), "--mirror", url],
        message: () => /^keychain-synth: .*no space left on device \(ENOSPC\).*\n$/,
      },
    ])("$name", async ({ args, message }) => {
      await mkdir(join(mountPoint, "data"), { recursive: true });
      const r = await run(args());
      expect(r.code).toBe(1);
      const m = message();
      if (typeof m === "string") expect(r.err).toBe(m);
      else expect(r.err).toMatch(m);
      expect(r.err.split("\n")).toHaveLength(2);
      expect(leftOnDisk().filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });
  },
);
