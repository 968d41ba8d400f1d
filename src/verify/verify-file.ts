/**
 * `verifyFile`: streams a KeyChain JSONL file through `verifyRecord`, re-counting prompts in batches when asked,
 * and sums the results up.
 */

import { stat } from "node:fs/promises";
import { autoWorkerCount, WORKER_MEMORY, type WorkerCount, workerEntryExists } from "../async/worker-pool.js";
import { DEFAULT_LAYOUT, type PassageLayout } from "../compose/layout.js";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { resolveChatTemplate } from "../prompt/chat-template.js";
import { counterShape } from "../tokenizer/thread-counter.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { RecordChecker, type RecordVerdict, type RecountPolicy } from "./record-checker.js";
import type { VerifyCode } from "./verify-record.js";
import { VERIFY_WORKER_ENTRY, type VerifyWorkerInit, verifyInWorkers } from "./verify-workers.js";

export type { RecountPolicy };

export interface VerifyFileOptions {
  /** Counter for re-counting prompts; required unless `recount` is `"none"`. */
  tokenizer?: TokenCounter;
  /** @deprecated Not needed any more: worker threads re-count through `tokenizer` itself. */
  tokenizerSpec?: string;
  /** Chat template to re-count through (`auto`, `none`, a preset, a file). @default each record's own
   * (`chat_template`, checked against `chat_template_hash`) */
  chatTemplate?: string;
  recount: RecountPolicy;
  /** How `context` renders its passages. @default DEFAULT_LAYOUT */
  layout?: PassageLayout;
  /** Prompts per `countBatch` call. @default 16 */
  batchSize?: number;
  /**
   * Worker threads that verify the records: a number, or `auto` (one per core, capped by memory, for files of
   * 16 MiB or more). 1 verifies on the main thread. The summary is the same whatever the number.
   * @default "auto"
   */
  workers?: WorkerCount;
  /** Stops verifying: the worker threads are terminated and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each batch of verified records (after each record when nothing is re-counted). */
  onProgress?: (progress: VerifyProgress) => void;
  /** Clock for the elapsed time, in milliseconds. @default performance.now */
  now?: () => number;
}

export interface VerifyProgress {
  /** Records verified so far. */
  records: number;
  /** Bytes of the file read so far. */
  bytes: number;
  failed: number;
}

/** A record that failed, by its line in the file. */
export interface FailingLine {
  line: number;
  id: string;
  /** Failed checks; `messages[i]` explains `codes[i]`. */
  codes: VerifyCode[];
  messages: string[];
}

export interface VerifySummary {
  path: string;
  /** Records (non-blank lines) verified. */
  lines: number;
  passed: number;
  failed: number;
  /** Records failing each check. */
  failuresByCode: Partial<Record<VerifyCode, number>>;
  failing: FailingLine[];
  /** Records whose prompt was re-counted. */
  recounted: number;
  /** Pairs found over all records. */
  pairs: number;
  /** File size. @unit bytes */
  bytes: number;
  /** Elapsed time. @unit milliseconds */
  ms: number;
}

/**
 * Verifies every record of a JSONL file. Blank lines are skipped; a line that is not JSON or lacks a field
 * verification reads is an `InputError` naming the file and line. A bad `recount` is a `ConfigError`.
 */
export async function verifyFile(path: string, options: VerifyFileOptions): Promise<VerifySummary> {
  const recount = options.recount;
  if (typeof recount === "number" && !(Number.isSafeInteger(recount) && recount >= 1))
    throw new ConfigError(`recount must be "all", "none" or an integer ≥ 1, got ${recount}`);
  const tokenizer = options.tokenizer;
  if (recount !== "none" && !tokenizer)
    throw new ConfigError("Re-counting prompts needs a tokenizer (or set recount to none)");
  const now = options.now ?? (() => performance.now());
  const started = now();
  const summary: VerifySummary = {
    path,
    lines: 0,
    passed: 0,
    failed: 0,
    failuresByCode: {},
    failing: [],
    recounted: 0,
    pairs: 0,
    bytes: await fileSize(path),
    ms: 0,
  };
  const forced =
    options.chatTemplate !== undefined && tokenizer
      ? await resolveChatTemplate(options.chatTemplate, tokenizer)
      : undefined;
  const checker = {
    path,
    recount,
    layout: options.layout ?? DEFAULT_LAYOUT,
    batchSize: options.batchSize ?? 16,
    tokenizer,
    forced,
  };
  const workers = resolveVerifyWorkers(options, summary.bytes);
  if (workers > 1) {
    const init: VerifyWorkerInit = {
      ...checker,
      tokenizer: recount === "none" || !tokenizer ? undefined : counterShape(tokenizer),
      forced:
        options.chatTemplate === undefined
          ? undefined
          : { spec: options.chatTemplate, hash: forced?.hash ?? "" },
    };
    await verifyInWorkers(
      path,
      init,
      workers,
      (verdicts, bytes) => {
        for (const v of verdicts) addVerdict(summary, v);
        options.onProgress?.({ records: summary.lines, bytes, failed: summary.failed });
      },
      recount === "none" ? undefined : tokenizer,
      options.signal,
    );
  } else {
    const check = new RecordChecker(checker);
    let bytes = 0;
    const add = (verdicts: RecordVerdict[]) => {
      for (const v of verdicts) addVerdict(summary, v);
      options.onProgress?.({ records: summary.lines, bytes, failed: summary.failed });
    };
    for await (const { line, text } of readLines(path)) {
      options.signal?.throwIfAborted();
      bytes += Buffer.byteLength(text) + 1;
      const verdicts = await check.add(line, text);
      if (verdicts.length > 0) add(verdicts);
    }
    const rest = await check.flush();
    if (rest.length > 0) add(rest);
  }
  summary.ms = now() - started;
  return summary;
}

/** Add one record's verdict to a summary. */
function addVerdict(summary: VerifySummary, v: RecordVerdict): void {
  summary.lines++;
  summary.pairs += v.pairs;
  if (v.recounted) summary.recounted++;
  if (v.codes.length === 0) summary.passed++;
  else {
    summary.failed++;
    for (const code of v.codes) summary.failuresByCode[code] = (summary.failuresByCode[code] ?? 0) + 1;
    summary.failing.push({ line: v.line, id: v.id, codes: v.codes, messages: v.messages });
  }
}

/** `auto` uses worker threads for files of at least this size. @unit bytes */
export const AUTO_VERIFY_WORKERS_MIN_BYTES = 16 * 2 ** 20;

/**
 * The worker threads {@link verifyFile} uses: `workers` when a number, else (`auto`) 1 for files under
 * {@link AUTO_VERIFY_WORKERS_MIN_BYTES} and otherwise one per core capped by memory. 1 when the compiled
 * worker entry is missing (the TypeScript sources).
 */
export function resolveVerifyWorkers(o: Pick<VerifyFileOptions, "workers">, fileBytes: number): number {
  if (!workerEntryExists(VERIFY_WORKER_ENTRY)) return 1;
  const workers = o.workers ?? "auto";
  if (workers === "auto")
    return fileBytes < AUTO_VERIFY_WORKERS_MIN_BYTES ? 1 : autoWorkerCount(WORKER_MEMORY.reading);
  return workers;
}

/** Size of a readable file; a missing file or a folder is an `InputError` naming the path. */
async function fileSize(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT" ? "no such file" : (error as Error).message,
      { file: path },
      { cause: error },
    );
  }
  if (!info.isFile()) throw new InputError("not a file", { file: path });
  return info.size;
}
