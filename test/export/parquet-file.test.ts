import { createWriteStream, existsSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import type { SchemaElement } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteError } from "../../src/errors.js";
import { AtomicParquetFile } from "../../src/export/parquet-file.js";
import { liveTempFiles } from "../../src/io/atomic.js";

const SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 2 },
  { name: "id", type: "INT32", repetition_type: "REQUIRED" },
  { name: "text", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
];

const columns = (from: number, n: number) => [
  { name: "id", data: Array.from({ length: n }, (_, i) => from + i), type: "INT32" as const },
  { name: "text", data: Array.from({ length: n }, (_, i) => `row ${from + i} ${"é".repeat(i % 50)}`) },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-parquet-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const temps = async (folder: string) => (await readdir(folder)).filter((f) => f.endsWith(".tmp"));

describe("AtomicParquetFile", () => {
  it("writes row groups under a temporary name and renames on commit", async () => {
    const path = join(dir, "ok", "a.parquet");
    const file = await AtomicParquetFile.open(path, SCHEMA);
    expect(liveTempFiles()).toEqual([file.tmpPath]);
    await file.writeRowGroup(columns(0, 3000));
    await file.writeRowGroup(columns(3000, 10));
    await file.writeRowGroup(columns(0, 0));
    expect(existsSync(path)).toBe(false);
    await file.commit();
    expect(file.rows).toBe(3010);
    expect(liveTempFiles()).toEqual([]);
    expect(await temps(join(dir, "ok"))).toEqual([]);
    const bytes = await readFile(path);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    });
    expect(rows.length).toBe(3010);
    expect(rows[3005]).toEqual({ id: 3005, text: "row 3005 ééééé" });
  });

  it("abort removes the temporary file", async () => {
    const folder = join(dir, "abort");
    const file = await AtomicParquetFile.open(join(folder, "a.parquet"), SCHEMA);
    await file.writeRowGroup(columns(0, 10));
    await file.abort();
    await file.abort();
    expect(await readdir(folder)).toEqual([]);
    expect(liveTempFiles()).toEqual([]);
  });

  it.skipIf(!existsSync("/dev/full"))(
    "on a full disk: a WriteError naming the final file, no temporary file",
    { timeout: 5000 },
    async () => {
      const folder = join(dir, "full");
      const path = join(folder, "a.parquet");
      const file = await AtomicParquetFile.open(path, SCHEMA, {
        createStream: (tmp) => {
          writeFileSync(tmp, "", { flag: "wx" });
          return createWriteStream("/dev/full");
        },
      });
      const error = await (async () => {
        for (let g = 0; g < 20; g++) await file.writeRowGroup(columns(g * 5000, 5000));
        await file.commit();
      })().catch((e: unknown) => e);
      await file.abort();
      expect(error).toBeInstanceOf(WriteError);
      expect((error as Error).message).toBe(`Cannot write "${path}": no space left on device (ENOSPC)`);
      expect(await temps(folder)).toEqual([]);
      expect(existsSync(path)).toBe(false);
    },
  );
});
