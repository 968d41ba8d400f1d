/**
 * The lines of a KeyChain JSONL file to verdicts, on whichever thread: each line is parsed and read as a
 * record, its prompt re-counted when the policy says (in batches), and checked. The main thread feeds it the
 * file line by line; a worker thread feeds it one block of lines at a time.
 */
import type { PassageLayout } from "../compose/layout.js";
import { parseJsonLine } from "../corpus/json-lines.js";
import { type ChatTemplate, recordTemplate } from "../prompt/chat-template.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { readVerifiableRecord, type VerifiableRecord } from "./read-record.js";
import { type VerifyCode, verifyRecord } from "./verify-record.js";

/** Which records get their rendered prompt re-counted: all, none, or every Nth (records 1, N+1, 2N+1, …). */
export type RecountPolicy = "all" | "none" | number;

/** One record's result, as the summary adds it up. */
export interface RecordVerdict {
  line: number;
  id: string;
  pairs: number;
  recounted: boolean;
  /** Failed checks, in check order; empty when the record passed. */
  codes: VerifyCode[];
  messages: string[];
}

export interface RecordCheckerOptions {
  path: string;
  recount: RecountPolicy;
  layout: PassageLayout;
  /** Prompts per `countBatch` call. */
  batchSize: number;
  /** Required unless `recount` is `"none"`. */
  tokenizer: TokenCounter | undefined;
  /** The chat template every prompt is re-counted through; undefined: each record's own. */
  forced: ChatTemplate | undefined;
}

/** Records kept waiting for a batch of counts at most (bounds memory when few records are re-counted). */
const MAX_PENDING = 256;

interface Pending {
  line: number;
  record: VerifiableRecord;
  recount: boolean;
}

export class RecordChecker {
  private pending: Pending[] = [];
  private toCount = 0;
  private readonly templates = new Map<string, ChatTemplate>();

  /** `ordinal`: records before the first line this checker is given (the policy counts records). */
  constructor(
    private readonly o: RecordCheckerOptions,
    private ordinal = 0,
  ) {}

  /** Add one line; returns the verdicts of the records a completed batch verified (often none). */
  async add(line: number, text: string): Promise<RecordVerdict[]> {
    const { recount } = this.o;
    const place = { file: this.o.path, line };
    const value = parseJsonLine(text, place);
    if (value === undefined) return [];
    const record = readVerifiableRecord(value, place);
    const again = recount === "all" || (typeof recount === "number" && this.ordinal % recount === 0);
    this.ordinal++;
    this.pending.push({ line, record, recount: again });
    if (again) this.toCount++;
    const full =
      this.toCount >= this.o.batchSize ||
      this.pending.length >= MAX_PENDING ||
      (recount === "none" && this.pending.length >= 1);
    return full ? this.flush() : [];
  }

  /** Verify the records waiting for a batch. */
  async flush(): Promise<RecordVerdict[]> {
    const batch = this.pending;
    this.pending = [];
    this.toCount = 0;
    if (batch.length === 0) return [];
    const { tokenizer, layout } = this.o;
    const prompts = await Promise.all(batch.filter((p) => p.recount).map((p) => this.render(p.record)));
    const counts = prompts.length > 0 && tokenizer ? await tokenizer.countBatch(prompts) : [];
    let c = 0;
    return batch.map((p) => {
      const promptTokens = p.recount ? counts[c++] : undefined;
      const result = verifyRecord(
        p.record,
        promptTokens === undefined ? { layout } : { layout, promptTokens },
      );
      return {
        line: p.line,
        id: p.record.id,
        pairs: result.pairs,
        recounted: p.recount,
        codes: result.failures.map((f) => f.code),
        messages: result.failures.map((f) => f.message),
      };
    });
  }

  private async render(record: VerifiableRecord): Promise<string> {
    const template =
      this.o.forced ??
      (await recordTemplate(
        record.chat_template,
        record.chat_template_hash,
        this.o.tokenizer as TokenCounter,
        this.templates,
      ));
    return template.render(record.prompt);
  }
}
