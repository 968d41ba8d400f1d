import { readFile, writeFile } from "node:fs/promises";
import { type ChatPool, createChatPool } from "../../src/llm/index.js";

/** Write records as JSON Lines. */
export async function writeJsonl(path: string, records: readonly Record<string, unknown>[]): Promise<string> {
  await writeFile(path, records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return path;
}

/** The records of a JSON Lines file. */
export async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A client pool for one local test server, with short backoffs. */
export function testPool(url: string, options: { concurrency: number; maxRetries: number }): ChatPool {
  return createChatPool({
    baseUrls: [url],
    concurrency: options.concurrency,
    timeoutMs: 2000,
    maxRetries: options.maxRetries,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
}
