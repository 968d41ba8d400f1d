/**
 * The `.meta.json` sidecar the runners write beside each data file, and the `pipeline` block the pipeline
 * adds to it: the step key, the source file's SHA-256, the config file's SHA-256 and the shard. A file is up
 * to date when it and its sidecar exist and the sidecar carries the step's key, tokenizer and window.
 */
import { readFile, stat } from "node:fs/promises";
import { writeFileAtomic } from "../io/atomic.js";
import type { FileSummary } from "../run/matrix.js";
import type { Shard } from "../run/windows.js";

/** What the pipeline adds to a sidecar. */
export interface PipelineStamp {
  step_key: string;
  source_sha256: string;
  config_sha256: string | null;
  /** The shard the file is; null for a whole file (made whole or merged). */
  shard: Shard | null;
}

/** The sidecar as runMatrix writes it (see src/run/matrix.ts), plus the pipeline block. */
export interface Sidecar {
  kind: string;
  file: string;
  dataset: string;
  source: string;
  source_fingerprint: string;
  tokenizer: { name: string; id: string };
  options: Record<string, unknown>;
  window: { start: number; end: number; shardStart: number; shardEnd: number };
  summary: Omit<FileSummary, "ms">;
  pipeline?: PipelineStamp;
  /** A merged file: its shard files, in order. */
  merged_from?: string[];
}

export const sidecarPath = (dataPath: string) => `${dataPath}.meta.json`;

/** The sidecar of a data file; undefined when missing, `"invalid"` when it is not a readable sidecar. */
export async function readSidecar(dataPath: string): Promise<Sidecar | "invalid" | undefined> {
  let text: string;
  try {
    text = await readFile(sidecarPath(dataPath), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const meta = JSON.parse(text) as Sidecar;
    const ok =
      typeof meta === "object" &&
      meta !== null &&
      typeof meta.window?.start === "number" &&
      typeof meta.summary?.written === "number" &&
      typeof meta.tokenizer?.id === "string";
    return ok ? meta : "invalid";
  } catch {
    return "invalid";
  }
}

/** Add the pipeline block to a data file's sidecar (atomically). */
export async function stampSidecar(dataPath: string, stamp: PipelineStamp): Promise<Sidecar> {
  const meta = await readSidecar(dataPath);
  if (meta === undefined || meta === "invalid")
    throw new Error(`The runner left no readable sidecar at "${sidecarPath(dataPath)}"`);
  const stamped: Sidecar = { ...meta, pipeline: stamp };
  await writeSidecar(dataPath, stamped);
  return stamped;
}

export async function writeSidecar(dataPath: string, meta: Sidecar): Promise<void> {
  await writeFileAtomic(sidecarPath(dataPath), `${JSON.stringify(meta, null, 2)}\n`);
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** What a step's existing file must match to be reused. */
export interface Expected {
  key: string;
  tokenizerId: string;
  sourceSha256: string;
  window: { start: number; end: number };
  part: { start: number; end: number };
}

export type Freshness = { fresh: true; sidecar: Sidecar } | { fresh: false; reason: string };

/** Whether the file at `dataPath` is the step's output, and if not, why (for the progress line). */
export async function checkFresh(dataPath: string, expected: Expected): Promise<Freshness> {
  if (!(await fileExists(dataPath))) return { fresh: false, reason: "new" };
  const meta = await readSidecar(dataPath);
  if (meta === undefined) return { fresh: false, reason: "its sidecar is missing" };
  if (meta === "invalid") return { fresh: false, reason: "its sidecar is unreadable" };
  return compareSidecar(meta, expected);
}

/** Compare a sidecar with what a step expects. Pure. */
export function compareSidecar(meta: Sidecar, expected: Expected): Freshness {
  if (meta.tokenizer.id !== expected.tokenizerId)
    return { fresh: false, reason: `the tokenizer changed (was ${meta.tokenizer.id})` };
  if (!meta.pipeline) return { fresh: false, reason: "it was not made by the pipeline" };
  if (meta.pipeline.source_sha256 !== expected.sourceSha256)
    return { fresh: false, reason: "the source file changed" };
  const w = meta.window;
  if (w.start !== expected.window.start || w.end !== expected.window.end)
    return { fresh: false, reason: "the question window changed" };
  if (w.shardStart !== expected.part.start || w.shardEnd !== expected.part.end)
    return { fresh: false, reason: "the shard slice changed" };
  if (meta.pipeline.step_key !== expected.key) return { fresh: false, reason: "the step's options changed" };
  return { fresh: true, sidecar: meta };
}
