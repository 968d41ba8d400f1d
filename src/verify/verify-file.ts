/**
 * `verifyFile`: streams a KeyChain JSONL file through `verifyRecord`, re-counting prompts in batches when asked,
 * and sums the results up.
 */

import { stat } from "node:fs/promises";
import { DEFAULT_LAYOUT, type PassageLayout } from "../compose/layout.js";
import { parseJsonLine } from "../corpus/json-lines.js";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { type ChatTemplate, recordTemplate, resolveChatTemplate } from "../prompt/chat-template.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { readVerifiableRecord, type VerifiableRecord } from "./read-record.js";
import { type VerifyCode, verifyRecord } from "./verify-record.js";

/** Which records get their rendered prompt re-counted: all, none, or every Nth (records 1, N+1, 2N+1, …). */
export type RecountPolicy = "all" | "none" | number;

export interface VerifyFileOptions {
  /** Counter for re-counting prompts; required unless `recount` is `"none"`. */
  tokenizer?: TokenCounter;
  /** Chat template to re-count through (`auto`, `none`, a preset, a file). @default each record's own
   * (`chat_template`, checked against `chat_template_hash`) */
  chatTemplate?: string;
  recount: RecountPolicy;
  /** How `context` renders its passages. @default DEFAULT_LAYOUT */
  layout?: PassageLayout;
  /** Prompts per `countBatch` call. @default 16 */
  batchSize?: number;
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

/** Records kept waiting for a batch of counts at most (bounds memory when few records are re-counted). */
const MAX_PENDING = 256;

interface Pending {
  line: number;
  record: VerifiableRecord;
  recount: boolean;
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
  const layout = options.layout ?? DEFAULT_LAYOUT;
  const batchSize = options.batchSize ?? 16;
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
  let bytes = 0;
  let pending: Pending[] = [];
  let toCount = 0;

  const templates = new Map<string, ChatTemplate>();
  const forced =
    options.chatTemplate !== undefined && tokenizer
      ? await resolveChatTemplate(options.chatTemplate, tokenizer)
      : undefined;
  const render = async (record: VerifiableRecord): Promise<string> => {
    const template =
      forced ??
      (await recordTemplate(
        record.chat_template,
        record.chat_template_hash,
        tokenizer as TokenCounter,
        templates,
      ));
    return template.render(record.prompt);
  };
  const flush = async () => {
    const batch = pending;
    pending = [];
    toCount = 0;
    const prompts = await Promise.all(batch.filter((p) => p.recount).map((p) => render(p.record)));
    const counts = prompts.length > 0 && tokenizer ? await tokenizer.countBatch(prompts) : [];
    let c = 0;
    for (const p of batch) {
      const promptTokens = p.recount ? counts[c++] : undefined;
      const result = verifyRecord(
        p.record,
        promptTokens === undefined ? { layout } : { layout, promptTokens },
      );
      summary.lines++;
      summary.pairs += result.pairs;
      if (p.recount) summary.recounted++;
      if (result.ok) summary.passed++;
      else {
        summary.failed++;
        for (const f of result.failures)
          summary.failuresByCode[f.code] = (summary.failuresByCode[f.code] ?? 0) + 1;
        summary.failing.push({
          line: p.line,
          id: p.record.id,
          codes: result.failures.map((f) => f.code),
          messages: result.failures.map((f) => f.message),
        });
      }
    }
    options.onProgress?.({ records: summary.lines, bytes, failed: summary.failed });
  };

  let ordinal = 0;
  for await (const { line, text } of readLines(path)) {
    bytes += Buffer.byteLength(text) + 1;
    const place = { file: path, line };
    const value = parseJsonLine(text, place);
    if (value === undefined) continue;
    const record = readVerifiableRecord(value, place);
    const again = recount === "all" || (typeof recount === "number" && ordinal % recount === 0);
    ordinal++;
    pending.push({ line, record, recount: again });
    if (again) toCount++;
    if (toCount >= batchSize || pending.length >= MAX_PENDING || (recount === "none" && pending.length >= 1))
      await flush();
  }
  if (pending.length > 0) await flush();
  summary.ms = now() - started;
  return summary;
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
