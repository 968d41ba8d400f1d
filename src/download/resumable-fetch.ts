import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { DEFAULT_RETRY_POLICY, retryDelay } from "../net/retry.js";
import { sleep } from "../net/sleep.js";
import { classifyNetworkError, DownloadError, requestFailureOf, rootMessage } from "./download-error.js";

/** Progress of one file: bytes on disk so far (a resumed part included) and the full size when known. */
export interface DownloadProgress {
  bytes: number;
  total?: number;
  /** Final path of the file being downloaded. */
  file: string;
}

export interface ResumableFetchRequest {
  url: string;
  /** Final path; the bytes arrive in `<target>.part` first. */
  target: string;
  fetch: typeof fetch;
  /** What is being downloaded, for messages (`Cannot download <label> from <url>: …`). */
  label: string;
  /** Advice appended when the host cannot be reached, e.g. `Place x in dir by hand, or retry later.` */
  offlineHint: string;
  /** Fail when a web page (`text/html`) comes back: right for archives, which are never HTML. */
  rejectHtml: boolean;
  /** Retries after broken connections and 408/409/429/5xx answers, as `../net/retry.ts` decides. */
  retries: number;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

/**
 * Download `url` to `target`, resuming from `<target>.part` when one exists: asks for `Range: bytes=<size>-`,
 * appends on 206 and starts over on 200. The length is checked against Content-Length or the
 * Content-Range total before the part is renamed into place. Does nothing when `target` exists.
 */
export async function fetchResumable(req: ResumableFetchRequest): Promise<void> {
  if (await exists(req.target)) return;
  await mkdir(dirname(req.target), { recursive: true });
  const policy = { ...DEFAULT_RETRY_POLICY, maxRetries: req.retries };
  for (let attempt = 1; ; attempt++) {
    try {
      await fetchOnce(req);
      return;
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      const failure = requestFailureOf(error);
      const delay = failure === undefined ? undefined : retryDelay(failure, attempt, policy);
      if (delay === undefined) {
        if (error instanceof DownloadError && attempt > 1) {
          throw new DownloadError(
            `${error.message} (gave up after ${attempt} attempts)`,
            { url: error.url, reason: error.reason, status: error.status },
            { cause: error },
          );
        }
        throw error;
      }
      await sleep(delay, { signal: req.signal });
    }
  }
}

/** One request. A 416 or a 206 for the wrong offset drops the part and asks again from zero, once. */
async function fetchOnce(req: ResumableFetchRequest): Promise<void> {
  const partPath = `${req.target}.part`;
  for (let restarts = 0; ; restarts++) {
    const have = await sizeOf(partPath);
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    try {
      res = await req.fetch(req.url, { headers, redirect: "follow", signal: req.signal });
    } catch (error) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw requestFailure(req, error);
    }

    if (res.status === 206 || (res.status === 416 && have > 0)) {
      const range = parseContentRange(res.headers.get("content-range"));
      if (res.status === 416 && range?.total === have) {
        await res.body?.cancel();
        await rename(partPath, req.target);
        return;
      }
      if (res.status === 416 || range === undefined || range.start !== have) {
        await res.body?.cancel();
        await rm(partPath, { force: true });
        if (restarts === 0) continue;
        throw new DownloadError(
          `Cannot download ${req.label} from ${req.url}: the server answered a request for bytes ${have}- ` +
            `with ${res.status} and Content-Range "${res.headers.get("content-range") ?? ""}".`,
          { url: req.url, reason: "content", status: res.status },
        );
      }
      await writeBody(req, res, partPath, have, range.total);
    } else if (res.status === 200) {
      const encoded = (res.headers.get("content-encoding") ?? "identity") !== "identity";
      const length = encoded ? undefined : parseLength(res.headers.get("content-length"));
      await writeBody(req, res, partPath, 0, length);
    } else {
      await res.body?.cancel();
      throw new DownloadError(
        `Cannot download ${req.label} from ${req.url}: the server answered ${res.status}` +
          `${res.statusText ? ` ${res.statusText}` : ""}.`,
        {
          url: req.url,
          reason: "http",
          status: res.status,
          retryAfter: res.headers.get("retry-after") ?? undefined,
        },
      );
    }
    await rename(partPath, req.target);
    return;
  }
}

/** Stream the body into the part file from `offset` (append) or from zero, then check its length. */
async function writeBody(
  req: ResumableFetchRequest,
  res: Response,
  partPath: string,
  offset: number,
  total: number | undefined,
): Promise<void> {
  const type = res.headers.get("content-type") ?? "";
  if (req.rejectHtml && /^\s*text\/html\b/i.test(type)) {
    await res.body?.cancel();
    throw new DownloadError(
      `Cannot download ${req.label} from ${req.url}: the server sent a web page instead of the file ` +
        `(the host may want a sign-in or a confirmation, or has hit a download quota). ` +
        `Download it in a browser, save it as ${partPath.slice(0, -".part".length)}, then run again.`,
      { url: req.url, reason: "html", status: res.status },
    );
  }
  const progress = req.onProgress;
  const file = req.target;
  let bytes = offset;
  const report = () => progress?.(total === undefined ? { bytes, file } : { bytes, total, file });
  report();
  const body = res.body;
  async function* counted(): AsyncGenerator<Uint8Array> {
    if (!body) return;
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        yield chunk;
        report();
      }
    } catch (error) {
      throw new BodyError(error);
    }
  }
  try {
    await pipeline(counted(), createWriteStream(partPath, { flags: offset > 0 ? "a" : "w" }), {
      signal: req.signal,
    });
  } catch (error) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (error instanceof BodyError) throw dropped(req, bytes, total, partPath, error.cause);
    throw error;
  }
  if (total === undefined) return;
  if (bytes < total) throw dropped(req, bytes, total, partPath);
  if (bytes > total) {
    await rm(partPath, { force: true });
    throw new DownloadError(
      `Cannot download ${req.label} from ${req.url}: the server sent ${bytes} bytes, more than the ${total} ` +
        `it announced. The partial file was removed; run the download again.`,
      { url: req.url, reason: "content", status: res.status },
    );
  }
}

/** A failure while reading the response body (as opposed to writing the file). */
class BodyError extends Error {
  constructor(cause: unknown) {
    super("body read failed", { cause });
  }
}

function requestFailure(req: ResumableFetchRequest, error: unknown): DownloadError {
  const kind = classifyNetworkError(error);
  const head = `Cannot download ${req.label} from ${req.url}: `;
  if (kind === "unreachable") {
    return new DownloadError(
      `${head}the host could not be reached (are you offline?). ${req.offlineHint}`,
      { url: req.url, reason: "unreachable" },
      { cause: error },
    );
  }
  if (kind === "dropped") {
    return new DownloadError(
      `${head}the connection broke before the server answered (${rootMessage(error)}). Retry later.`,
      { url: req.url, reason: "dropped" },
      { cause: error },
    );
  }
  return new DownloadError(
    `${head}${rootMessage(error)}.`,
    { url: req.url, reason: "other" },
    { cause: error },
  );
}

function dropped(
  req: ResumableFetchRequest,
  bytes: number,
  total: number | undefined,
  partPath: string,
  cause?: unknown,
): DownloadError {
  const of = total === undefined ? "" : ` of ${formatBytes(total)}`;
  return new DownloadError(
    `Cannot download ${req.label} from ${req.url}: the connection broke after ${formatBytes(bytes)}${of}. ` +
      `The partial file ${partPath} is kept; run the download again to resume.`,
    { url: req.url, reason: "dropped" },
    cause === undefined ? undefined : { cause },
  );
}

/** `bytes a-b/total` → start and total (no total for a `*` total); the unsatisfied form gives start NaN. */
export function parseContentRange(header: string | null): { start: number; total?: number } | undefined {
  if (header === null) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  const start = m[1] === undefined ? Number.NaN : Number(m[1]);
  return m[2] === "*" || m[2] === undefined ? { start } : { start, total: Number(m[2]) };
}

function parseLength(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header);
}

/** `1.2 MB`-style size for messages. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
