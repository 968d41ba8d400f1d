import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** A temporary directory for the calling test file (removed afterwards) and a writer of files inside it. */
export function useTempFiles(): (name: string, content: string | Uint8Array) => Promise<string> {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keychain-corpus-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return async (name, content) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The fixture file `name` under test/fixtures/corpus. */
export function fixture(name: string): string {
  return join(import.meta.dirname, "../fixtures/corpus", name);
}
