import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import type { TokenCounter } from "../tokenizer/types.js";

/** Where token counts are cached: `--cache-dir`, else `$KEYCHAIN_SYNTH_CACHE`, else `$XDG_CACHE_HOME` or `~/.cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KEYCHAIN_SYNTH_CACHE) return env.KEYCHAIN_SYNTH_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "keychain-synth");
}

export interface DocCountsOptions {
  /** Folder for the cache file; `undefined` disables the on-disk cache. */
  cacheDir: string | undefined;
  /** Appended to every document before counting (the passage separator), e.g. `"\n\n"`. */
  suffix: string;
  /** Texts per countBatch call. @default 2048 */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DocCountsResult {
  counts: Uint32Array;
  /** True when the counts came from the on-disk cache. */
  cached: boolean;
  /** Tokens counted in this call (0 when cached). */
  tokens: number;
  cachePath: string | undefined;
}

const MAGIC = 0x4b435431; // "KCT1"

/**
 * Token count of `doc + suffix` for every document of a corpus, computed once and cached on disk under a key
 * made of the corpus fingerprint, the tokenizer id and the suffix: the same corpus at six lengths, or in six
 * runs, is tokenised once. Two batches are kept in flight so the native tokenizer never waits on JavaScript.
 */
export async function docTokenCounts(
  docs: readonly string[],
  fingerprint: string,
  counter: TokenCounter,
  options: DocCountsOptions,
): Promise<DocCountsResult> {
  const key = createHash("sha256")
    .update(JSON.stringify([fingerprint, counter.id, options.suffix]))
    .digest("hex")
    .slice(0, 32);
  const cachePath = options.cacheDir ? join(options.cacheDir, `doc-counts-${key}.bin`) : undefined;
  if (cachePath) {
    const hit = await readCache(cachePath, docs.length);
    if (hit) return { counts: hit, cached: true, tokens: 0, cachePath };
  }
  const counts = new Uint32Array(docs.length);
  const batch = options.batchSize ?? 2048;
  let done = 0;
  let tokens = 0;
  const run = async (start: number) => {
    const end = Math.min(docs.length, start + batch);
    const texts = new Array<string>(end - start);
    for (let i = start; i < end; i++) texts[i - start] = docs[i] + options.suffix;
    const got = await counter.countBatch(texts);
    for (let i = 0; i < got.length; i++) {
      counts[start + i] = got[i] as number;
      tokens += got[i] as number;
    }
    done += texts.length;
    options.onProgress?.(done, docs.length);
  };
  const inFlight = new Set<Promise<void>>();
  for (let start = 0; start < docs.length; start += batch) {
    const p = run(start).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (cachePath) await writeCache(cachePath, counts);
  return { counts, cached: false, tokens, cachePath };
}

async function readCache(path: string, expected: number): Promise<Uint32Array | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return undefined;
  }
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== expected) return undefined;
  if (buf.length !== 8 + 4 * expected) return undefined;
  const out = new Uint32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = buf.readUInt32LE(8 + 4 * i);
  return out;
}

async function writeCache(path: string, counts: Uint32Array): Promise<void> {
  const buf = Buffer.alloc(8 + 4 * counts.length);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(counts.length, 4);
  Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength).copy(buf, 8);
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    for (let i = 0; i < counts.length; i++) buf.writeUInt32LE(counts[i] as number, 8 + 4 * i);
  }
  await writeFileAtomic(path, buf);
}
