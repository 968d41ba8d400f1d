import { createWriteStream, existsSync, writeFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeychainError, WriteError } from "../../src/errors.js";
import {
  AtomicFile,
  type AtomicFileOptions,
  liveTempFiles,
  removeLiveTempFilesSync,
  writeAtomic,
  writeFileAtomic,
} from "../../src/io/atomic.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-atomic-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Files of `folder` left under a temporary name. */
async function temps(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((f) => f.endsWith(".tmp"));
}

/** A system error as node:fs makes them. */
function systemError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

const hasDevFull = existsSync("/dev/full");

/**
 * `promise`, or a rejection after `ms`: a write that waits for an event that never comes must fail the test, not
 * leave an empty event loop (the process would exit 0 silently, as the bug did).
 */
function settleWithin<T>(promise: Promise<T>, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms: the write hangs`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The real temporary file is created, but the bytes go to /dev/full: every write fails with ENOSPC. */
const fullDevice: AtomicFileOptions = {
  createStream: (tmpPath) => {
    writeFileSync(tmpPath, "", { flag: "wx" });
    return createWriteStream("/dev/full");
  },
};

/** A stream that takes `okWrites` writes, then fails every later one with `code`, after a turn. */
function failingStream(tmpPath: string, code: string, okWrites = 0): Writable {
  writeFileSync(tmpPath, "", { flag: "wx" });
  let writes = 0;
  return new Writable({
    highWaterMark: 8,
    write(_chunk, _encoding, callback) {
      if (writes++ < okWrites) setImmediate(callback);
      else setImmediate(() => callback(systemError(code, "i/o error, write")));
    },
  });
}

describe("writeAtomic", () => {
  it("writes the file under its final name and leaves no temporary file", async () => {
    const path = join(dir, "ok", "a.jsonl");
    const result = await writeAtomic(path, async (file) => {
      await file.write("one\n");
      await file.write(new TextEncoder().encode("two\n"));
      return 2;
    });
    expect(result).toBe(2);
    expect(await readFile(path, "utf8")).toBe("one\ntwo\n");
    expect(await temps(join(dir, "ok"))).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
  });

  it("keeps memory bounded: many writes larger than the stream buffer all arrive in order", async () => {
    const path = join(dir, "big.txt");
    const chunk = "x".repeat(100_000);
    await writeAtomic(path, async (file) => {
      for (let i = 0; i < 50; i++) await file.write(`${i}${chunk}\n`);
    });
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines.length).toBe(51);
    expect(lines.slice(0, 50).map((l) => Number.parseInt(l, 10))).toEqual([...Array(50).keys()]);
  });

  it("removes the temporary file and rethrows the callback's own error unchanged", async () => {
    const folder = join(dir, "throws");
    const path = join(folder, "a.jsonl");
    const boom = new Error("boom");
    await expect(
      writeAtomic(path, async (file) => {
        await file.write("partial\n");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(existsSync(path)).toBe(false);
    expect(await temps(folder)).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
  });

  it("keeps an existing file when the new one fails", async () => {
    const path = join(dir, "keep.txt");
    await writeFile(path, "old\n");
    await expect(
      writeAtomic(path, async () => {
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(await readFile(path, "utf8")).toBe("old\n");
  });
});

describe("atomic writes on a full disk (/dev/full)", () => {
  it.skipIf(!hasDevFull)(
    "a write larger than the buffer rejects with ENOSPC naming the final file; no temporary file, no hang",
    { timeout: 5000 },
    async () => {
      const folder = join(dir, "full1");
      const path = join(folder, "x.jsonl");
      const error = await settleWithin(
        writeAtomic(
          path,
          async (file) => {
            for (let i = 0; i < 100; i++) await file.write("y".repeat(1 << 20));
          },
          fullDevice,
        ),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WriteError);
      expect(error).toBeInstanceOf(KeychainError);
      expect((error as WriteError).message).toBe(`Cannot write "${path}": no space left on device (ENOSPC)`);
      expect((error as WriteError).path).toBe(path);
      expect((error as WriteError).code).toBe("ENOSPC");
      expect((error as WriteError).exitCode).toBe(1);
      expect(existsSync(path)).toBe(false);
      expect(await temps(folder)).toEqual([]);
      expect(liveTempFiles()).toEqual([]);
    },
  );

  it.skipIf(!hasDevFull)(
    "small writes that fit the buffer fail at commit, with the same error",
    { timeout: 5000 },
    async () => {
      const folder = join(dir, "full2");
      const path = join(folder, "x.jsonl");
      await expect(settleWithin(writeAtomic(path, (file) => file.write("{}\n"), fullDevice))).rejects.toThrow(
        `Cannot write "${path}": no space left on device (ENOSPC)`,
      );
      expect(await temps(folder)).toEqual([]);
    },
  );

  it.skipIf(!hasDevFull)("writeFileAtomic rejects with a WriteError", { timeout: 5000 }, async () => {
    const folder = join(dir, "full3");
    const path = join(folder, "x.json");
    const error = await settleWithin(writeFileAtomic(path, "z".repeat(1 << 20), fullDevice)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("ENOSPC");
    expect(await temps(folder)).toEqual([]);
  });

  it.skipIf(!hasDevFull)(
    "AtomicFile.open/write/commit/abort: the failure rejects and abort after it is harmless",
    { timeout: 5000 },
    async () => {
      const folder = join(dir, "full4");
      const path = join(folder, "x.jsonl");
      const file = await AtomicFile.open(path, fullDevice);
      expect(existsSync(file.tmpPath)).toBe(true);
      let error: unknown;
      try {
        await settleWithin(
          (async () => {
            for (let i = 0; i < 100; i++) await file.write("y".repeat(1 << 16));
            await file.commit();
          })(),
        );
      } catch (e) {
        error = e;
        await file.abort();
      }
      expect(error).toBeInstanceOf(WriteError);
      expect(existsSync(file.tmpPath)).toBe(false);
      await file.abort();
      await expect(file.write("more")).rejects.toBeInstanceOf(WriteError);
    },
  );
});

describe("atomic writes: other failures", () => {
  it.each([
    { code: "EIO", text: "i/o error", ok: 0 },
    { code: "EIO", text: "i/o error", ok: 3 },
    { code: "ENOSPC", text: "no space left on device", ok: 5 },
  ])(
    "a stream failing with $code after $ok good writes: WriteError, temporary file removed",
    async ({ code, text, ok }) => {
      const folder = join(dir, `fail-${code}-${ok}`);
      const path = join(folder, "x.jsonl");
      const error = await settleWithin(
        writeAtomic(
          path,
          async (file) => {
            for (let i = 0; i < 20; i++) await file.write(`line ${i}\n`);
          },
          { createStream: (tmp) => failingStream(tmp, code, ok) },
        ),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WriteError);
      expect((error as Error).message).toBe(`Cannot write "${path}": ${text} (${code})`);
      expect(await temps(folder)).toEqual([]);
    },
  );

  it("a folder in the way of the path (ENOTDIR) is a WriteError naming the file", async () => {
    const blocker = join(dir, "blocker");
    await writeFile(blocker, "a file, not a folder");
    const path = join(blocker, "sub", "x.jsonl");
    const error = await writeFileAtomic(path, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("ENOTDIR");
    expect((error as Error).message).toBe(
      `Cannot write "${path}": cannot create its folder "${join(blocker, "sub")}": not a directory (ENOTDIR)`,
    );
  });

  it("a folder under the final name (EISDIR) is a WriteError; the temporary file is removed", async () => {
    const folder = join(dir, "isdir");
    const path = join(folder, "x.jsonl");
    await mkdir(path, { recursive: true });
    const error = await writeAtomic(path, (file) => file.write("x\n")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("EISDIR");
    expect((error as Error).message).toContain(`Cannot write "${path}": `);
    expect(await temps(folder)).toEqual([]);
  });

  it("a temporary file that cannot be created (EACCES on open) is a WriteError naming the final file", async () => {
    const path = join(dir, "eacces", "x.jsonl");
    const refuse: AtomicFileOptions = {
      createStream: (tmp) =>
        createWriteStream(tmp, {
          flags: "wx",
          fs: {
            open: (_p: string, _f: string, _m: number, cb: (e: Error) => void) =>
              cb(systemError("EACCES", "permission denied, open")),
            write: () => {},
            close: (_fd: number, cb: () => void) => cb(),
          },
        }),
    };
    const error = await AtomicFile.open(path, refuse).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toBe(`Cannot write "${path}": permission denied (EACCES)`);
    expect(liveTempFiles()).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === "win32")(
    "a read-only folder (real EACCES) is a WriteError naming the file",
    async () => {
      const folder = join(dir, "readonly");
      await mkdir(folder);
      await chmod(folder, 0o500);
      try {
        const path = join(folder, "x.jsonl");
        const error = await writeFileAtomic(path, "x").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WriteError);
        expect((error as WriteError).code).toBe("EACCES");
        expect((error as Error).message).toBe(`Cannot write "${path}": permission denied (EACCES)`);
      } finally {
        await chmod(folder, 0o700);
      }
    },
  );
});

describe("removeLiveTempFilesSync", () => {
  it("removes the temporary files being written, at once", async () => {
    const folder = join(dir, "signal");
    const a = await AtomicFile.open(join(folder, "a.jsonl"));
    const b = await AtomicFile.open(join(folder, "b.jsonl"));
    await a.write("a\n");
    expect(liveTempFiles().sort()).toEqual([a.tmpPath, b.tmpPath].sort());
    expect((await temps(folder)).length).toBe(2);
    removeLiveTempFilesSync();
    expect(await temps(folder)).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
    await a.abort();
    await b.abort();
  });

  it("no longer lists a file once it is committed", async () => {
    const file = await AtomicFile.open(join(dir, "committed.txt"));
    await file.write("x");
    await file.commit();
    expect(liveTempFiles()).toEqual([]);
    await file.abort(); // after a commit: does nothing
    expect(await readFile(join(dir, "committed.txt"), "utf8")).toBe("x");
  });
});
