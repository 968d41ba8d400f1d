/** Shard file names: `{stem}.shard-{i}-of-{n}.jsonl` beside the whole file `{stem}.jsonl`. */
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { shardSuffix } from "../run/matrix.js";
import type { Shard } from "../run/windows.js";

const SHARD_NAME = /^(.+)\.shard-(\d+)-of-(\d+)\.jsonl$/;

/** The shard file of a whole file: `a/b.jsonl` → `a/b.shard-1-of-4.jsonl`. */
export function shardFilePath(whole: string, shard: Shard): string {
  return whole.replace(/\.jsonl$/, `${shardSuffix(shard)}.jsonl`);
}

/** `{whole, shard}` of a shard file name, or undefined for other files. */
export function parseShardFilePath(path: string): { whole: string; shard: Shard } | undefined {
  const m = SHARD_NAME.exec(basename(path));
  if (!m) return undefined;
  const index = Number(m[2]);
  const count = Number(m[3]);
  if (!(count >= 1 && index < count)) return undefined;
  return { whole: join(dirname(path), `${m[1]}.jsonl`), shard: { index, count } };
}

/** Shard files of `whole` present on disk (any shard count), sorted by count then index. */
export async function findShardFiles(whole: string): Promise<{ path: string; shard: Shard }[]> {
  let names: string[];
  try {
    names = await readdir(dirname(whole));
  } catch {
    return [];
  }
  const found: { path: string; shard: Shard }[] = [];
  for (const name of names) {
    const path = join(dirname(whole), name);
    const parsed = parseShardFilePath(path);
    if (parsed && parsed.whole === whole) found.push({ path, shard: parsed.shard });
  }
  return found.sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
}

/** Every shard file under `dir`, recursively, grouped by the whole file they belong to. */
export async function scanShardFiles(dir: string): Promise<Map<string, { path: string; shard: Shard }[]>> {
  const groups = new Map<string, { path: string; shard: Shard }[]>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    // `parentPath` since Node 20.12; `path` before.
    const parent = e.parentPath ?? (e as unknown as { path: string }).path;
    const path = join(parent, e.name);
    const parsed = parseShardFilePath(path);
    if (!parsed) continue;
    const list = groups.get(parsed.whole) ?? [];
    list.push({ path, shard: parsed.shard });
    groups.set(parsed.whole, list);
  }
  for (const list of groups.values())
    list.sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
