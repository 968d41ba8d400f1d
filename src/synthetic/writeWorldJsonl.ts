import { AtomicFile } from "../io/atomic.js";
import { generateSyntheticRecords } from "./generate.js";
import type { WorldOptions } from "./types.js";

/** Lines written per `write` call. */
const BATCH = 256;

/**
 * Write `generateWorld(options)` as JSON Lines to `path`, atomically (temp file, then rename). Returns the
 * number of records and of distinct documents written.
 */
export async function writeWorldJsonl(
  path: string,
  options: WorldOptions,
): Promise<{ records: number; documents: number }> {
  const records = generateSyntheticRecords(options);
  const file = await AtomicFile.open(path);
  try {
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
    await file.commit();
    return { records: count, documents: seen.size };
  } catch (error) {
    await file.abort();
    throw error;
  }
}
