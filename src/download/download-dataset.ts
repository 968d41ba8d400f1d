import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { redactUrl } from "../net/redact.js";
import { DownloadError, rootMessage } from "./download-error.js";
import { extractZip } from "./extract-zip.js";
import { type DownloadProgress, fetchResumable } from "./resumable-fetch.js";
import {
  DATASET_NAMES,
  DATASET_SOURCES,
  type DatasetName,
  type FileSource,
  mirrorUrl,
  type ZipSource,
} from "./sources.js";

/** The defaults {@link downloadDataset} fills in. */
export const DOWNLOAD_DEFAULTS = { retries: 3 } as const;

export interface DownloadOptions {
  /** Data directory; each data set gets its own folder inside (`<dataDir>/hotpotqa/…`). */
  dataDir: string;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Base URL of a mirror serving the files under their on-disk names (`<base>/hotpot_train_v1.1.json`,
   * `<base>/musique_v1.0.zip`, `<base>/2wikimqa.zip`), used instead of the original hosts. */
  urlOverride?: string;
  /** Called when a file's body starts (with the bytes already on disk) and after each chunk received. */
  onProgress?: (p: DownloadProgress) => void;
  /** Stops the download at once; the partial file is kept for a later resume. */
  signal?: AbortSignal;
  /** Retries after a broken connection (each resumes where the last stopped) or a 408/409/429/5xx answer,
   * waiting as the one retry policy (`../net/retry.ts`) says. @default 3 */
  retries?: number;
}

interface ResolvedDownloadOptions {
  dataDir: string;
  fetch: typeof fetch;
  urlOverride: string | undefined;
  onProgress: ((p: DownloadProgress) => void) | undefined;
  signal: AbortSignal | undefined;
  retries: number;
}

/**
 * Download a data set into `<dataDir>/<name>/`, resuming partial downloads, and return the paths of its
 * files. Files already in place are not fetched again; archives are extracted and then removed.
 *
 * - hotpotqa: `hotpot_train_v1.1.json` and `hotpot_dev_distractor_v1.json`
 * - musique: the MuSiQue v1.0 zip from Google Drive → `musique_full_v1.0_train.jsonl` and the other splits
 * - 2wikimqa: the 2WikiMultihopQA zip from Dropbox → `train.json`, `dev.json`, …
 *
 * Throws `DownloadError` (a `RemoteError`) with a message that names the URL and what to do.
 */
export async function downloadDataset(
  name: DatasetName,
  options: DownloadOptions,
): Promise<{ files: string[] }> {
  const opts = resolveOptions(name, options);
  const source = DATASET_SOURCES[name];
  const dir = join(opts.dataDir, source.folder);
  const files: string[] = [];
  for (const file of source.files) {
    opts.signal?.throwIfAborted();
    files.push(...(await downloadFile(name, file, dir, opts)));
  }
  return { files };
}

function resolveOptions(name: string, options: DownloadOptions): ResolvedDownloadOptions {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`Unknown data set "${name}": expected one of ${DATASET_NAMES.join(", ")}.`);
  }
  if (!options.dataDir) throw new ConfigError("downloadDataset: dataDir must be a non-empty path.");
  if (options.urlOverride !== undefined && !URL.canParse(options.urlOverride)) {
    throw new ConfigError(
      `Cannot use "${redactUrl(options.urlOverride)}" as a download URL: it is not an absolute URL.`,
    );
  }
  const retries = options.retries ?? DOWNLOAD_DEFAULTS.retries;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new ConfigError(`downloadDataset: retries must be a whole number ≥ 0, got ${retries}.`);
  }
  return {
    dataDir: options.dataDir,
    fetch: options.fetch ?? globalThis.fetch,
    urlOverride: options.urlOverride,
    onProgress: options.onProgress,
    signal: options.signal,
    retries,
  };
}

async function downloadFile(
  name: DatasetName,
  file: FileSource,
  dir: string,
  opts: ResolvedDownloadOptions,
): Promise<string[]> {
  const url = opts.urlOverride === undefined ? file.url : mirrorUrl(opts.urlOverride, file.fileName);
  const target = join(dir, file.fileName);
  if (file.kind === "zip" && (await allExist(dir, file.expect))) return listFiles(dir);
  const handPlaced = file.kind === "zip" ? `${file.fileName} (or the files it holds)` : file.fileName;
  await fetchResumable({
    url,
    target,
    fetch: opts.fetch,
    label: name,
    offlineHint: `Place ${handPlaced} in ${dir} by hand, or retry later.`,
    rejectHtml: file.kind === "zip",
    retries: opts.retries,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  if (file.kind === "file") return [target];
  return unpack(name, file, url, target, dir, opts.signal);
}

async function unpack(
  name: DatasetName,
  file: ZipSource,
  url: string,
  zipPath: string,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  let extracted: string[];
  try {
    extracted = await extractZip(zipPath, dir, signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    await rm(zipPath, { force: true });
    throw new DownloadError(
      `Cannot extract ${name} from ${zipPath} (downloaded from ${url}): ${rootMessage(error)}. ` +
        `The file was removed; run the download again.`,
      { url, reason: "content" },
      { cause: error },
    );
  }
  const missing = [];
  for (const expected of file.expect) if (!(await isFile(join(dir, expected)))) missing.push(expected);
  if (missing.length > 0) {
    throw new DownloadError(
      `The ${name} archive from ${url} does not hold ${missing.join(", ")} ` +
        `(it holds ${extracted.map((p) => p.slice(dir.length + 1)).join(", ") || "no files"}). ` +
        `The archive is kept at ${zipPath}.`,
      { url, reason: "content" },
    );
  }
  await rm(zipPath, { force: true });
  return extracted;
}

async function allExist(dir: string, names: readonly string[]): Promise<boolean> {
  for (const n of names) if (!(await isFile(join(dir, n)))) return false;
  return true;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** The data files already in `dir` (sorted; partial, temporary and archive files left out). */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !/\.(part|tmp|zip)$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}
