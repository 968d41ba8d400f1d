import { writeAtomic } from "../io/atomic.js";
import { generateSyntheticRecords } from "./generate.js";
import type { WorldOptions } from "./types.js";

/** Lines written per `write` call. */
const BATCH = 256;

/**
 * Write `generateWorld(options)` as JSON Lines to `path`, atomically (temp file, then rename; a failed write
 * leaves nothing and is a `WriteError`). Returns the number of records and of distinct documents written.
 */
export async function writeWorldJsonl(
  path: string,
  options: WorldOptions,
): Promise<{ records: number; documents: number }> {
  const records = generateSyntheticRecords(options);
  return writeAtomic(path, async (file) => {
    const seen = new Set<number>();
    let count = 0;
    let batch: string[] = [];
    for (const r of records) {
      for (const id of r.entities) seen.add(id);
      batch.push(JSON.stringify(r.record));
      count++;
      if (batch.length >= BATCH) {
        await file.write(`${batch.join("\n")}\n`);
        batch = [];
      }
    }
    if (batch.length > 0) await file.write(`${batch.join("\n")}\n`);
    return { records: count, documents: seen.size };
  });
}
