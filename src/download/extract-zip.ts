import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl, { type Entry } from "yauzl";
import { tempPathFor } from "../io/atomic.js";
import { crc32 } from "./crc32.js";

/**
 * Extract the files of a zip archive into `destDir` and return their paths, in archive order.
 * `__MACOSX/` entries are skipped. When every file sits under one top-level folder, that folder is
 * dropped (`data/train.json` → `<destDir>/train.json`). Atomic as a whole: every file is written under
 * a temporary name first and renamed into place only when all of them are complete.
 * Entry names are checked by yauzl (no absolute paths, no `..`); each file's CRC-32 is verified.
 */
export async function extractZip(zipPath: string, destDir: string, signal?: AbortSignal): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { autoClose: false, strictFileNames: false });
  const written: { tmp: string; dest: string }[] = [];
  try {
    const entries: Entry[] = [];
    for await (const entry of zip.eachEntry()) {
      if (isFileEntry(entry.fileName)) entries.push(entry);
    }
    const strip = commonTopFolder(entries.map((e) => e.fileName));
    for (const entry of entries) {
      signal?.throwIfAborted();
      const dest = join(destDir, ...entry.fileName.slice(strip.length).split("/"));
      const tmp = tempPathFor(dest);
      await mkdir(dirname(dest), { recursive: true });
      written.push({ tmp, dest });
      const input = await zip.openReadStreamPromise(entry);
      let crc = 0;
      await pipeline(
        input,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            crc = crc32(chunk, crc);
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: "wx" }),
        { signal },
      );
      if (crc !== entry.crc32) throw new Error(`${entry.fileName} is corrupt (CRC-32 mismatch)`);
    }
    for (const { tmp, dest } of written) await rename(tmp, dest);
    return written.map((w) => w.dest);
  } catch (error) {
    await Promise.all(written.map((w) => rm(w.tmp, { force: true })));
    throw error;
  } finally {
    zip.close();
  }
}

function isFileEntry(name: string): boolean {
  if (name.endsWith("/")) return false;
  const first = name.split("/")[0];
  return first !== "__MACOSX";
}

/** `"top/"` when every name starts with the same folder `top/`, otherwise `""`. */
export function commonTopFolder(names: readonly string[]): string {
  let top: string | undefined;
  for (const name of names) {
    const slash = name.indexOf("/");
    if (slash < 0) return "";
    const head = name.slice(0, slash + 1);
    if (top === undefined) top = head;
    else if (head !== top) return "";
  }
  return top ?? "";
}
