import { join, parse } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import {
  CHAT_TEMPLATE_PRESETS,
  type ChatTemplate,
  type ChatTemplatePreset,
  NO_CHAT_TEMPLATE,
  presetTemplate,
  recordTemplate,
  resolveChatTemplate,
} from "../prompt/chat-template.js";
import {
  promptMessages,
  renderUserMessage,
  resolveSystemPrompt,
  samePrompt,
  systemOf,
  userOf,
} from "../prompt/messages.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { AtomicParquetFile } from "./parquet-file.js";
import { type ExportKind, type ExportRecord, parseExportLine, recordBudget } from "./records.js";
import { planSplits } from "./splits.js";
import {
  dataSourceName,
  type RowOptions,
  type SplitName,
  toColumnData,
  toVerlRow,
  VERL_SCHEMA,
  type VerlRow,
} from "./verl-row.js";

/** Options of {@link exportVerl}, as a caller writes them. */
export interface ExportVerlOptions {
  /** JSONL of plain or KeyChain records; the kind is read from the first record. Each row's prompt is the
   * record's stored `prompt`, byte for byte. */
  input: string;
  /** Folder that receives `train.parquet`, `test.parquet` and `valid.parquet`. */
  outDir: string;
  /** First row of the training slice (0-based). @default 0 */
  startIndex?: number;
  /** End of the training slice (exclusive); -1 = to the last row. @default -1 */
  endIndex?: number;
  /** Most rows in test.parquet. @default min(rows left after train, train rows) */
  testSize?: number;
  /** Most rows in valid.parquet, drawn (seeded) from the rows left after test. @default 100 */
  validSize?: number;
  /** Seed of the valid draw. @default 42 */
  seed?: number;
  /** KeyChain wording the rows must have. @default each record's own */
  promptVariant?: KeychainPromptVariant;
  /** System message the rows must have: `none`, `qwen_orz_boxed` or `@FILE`. @default each record's own */
  systemPrompt?: string;
  /** The chat template the trainer will apply (`auto` = the tokenizer's own, which needs `tokenizer`); every
   * record must have been measured with it. @default not checked */
  chatTemplate?: string;
  /**
   * Records whose prompt would change (another system prompt or wording), that were measured with another
   * chat template, or that were written before prompts were stored, are counted again through the template
   * with `tokenizer`; those over their budget are dropped and counted, never written. Without it such records
   * stop the export. @default false
   */
  remeasure?: boolean;
  /** Counter for `remeasure` and for `chatTemplate: "auto"`. */
  tokenizer?: TokenCounter;
  /** Append `answer_aliases` not already among the answers to `ground_truth`. @default false */
  withAliases?: boolean;
  /** Most rows per parquet row group. @default 1000 */
  rowGroupRows?: number;
  /** Most prompt characters per parquet row group (bounds memory for long prompts). @default 2^26 */
  rowGroupChars?: number;
}

/** A record re-measured and found over its budget: not written. */
export interface DroppedRow {
  line: number;
  id: string;
  tokens: number;
  budget: number;
}

/** What {@link exportVerl} wrote. */
export interface ExportVerlResult {
  train: number;
  test: number;
  valid: number;
  /** Rows outside the training slice whose question id is also in it: written to no file. */
  withheld: number;
  /** Paths of train.parquet, test.parquet, valid.parquet. */
  files: string[];
  kind: ExportKind;
  dataSource: string;
  /** Records without a stored prompt (written before prompts were stored): rendered from their fields. */
  renderedPrompts: number;
  /** Records counted again (`remeasure`). */
  remeasured: number;
  /** Re-measured records over their budget, in no file. */
  dropped: DroppedRow[];
}

/** {@link ExportVerlOptions} with every data-independent default filled in. */
export interface ResolvedExportVerlOptions {
  input: string;
  outDir: string;
  startIndex: number;
  endIndex: number;
  testSize: number | undefined;
  validSize: number;
  seed: number;
  promptVariant: KeychainPromptVariant | undefined;
  systemPrompt: string | undefined;
  chatTemplate: string | undefined;
  remeasure: boolean;
  withAliases: boolean;
  rowGroupRows: number;
  rowGroupChars: number;
}

export const SPLIT_NAMES: readonly SplitName[] = ["train", "test", "valid"];

/** Every default of {@link ExportVerlOptions}, written once. */
export const EXPORT_VERL_DEFAULTS = {
  startIndex: 0,
  endIndex: -1,
  validSize: 100,
  seed: 42,
  remeasure: false,
  withAliases: false,
  rowGroupRows: 1000,
  rowGroupChars: 1 << 26,
} as const;

/** Check the options and fill in the defaults; every problem is reported at once in one ConfigError. */
export function resolveExportVerlOptions(o: ExportVerlOptions): ResolvedExportVerlOptions {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min)
      problems.push(`${name} must be an integer ≥ ${min}, got ${value}`);
    return value;
  };
  const d = EXPORT_VERL_DEFAULTS;
  const r: ResolvedExportVerlOptions = {
    input: o.input,
    outDir: o.outDir,
    startIndex: int("startIndex", o.startIndex, d.startIndex, 0),
    endIndex: int("endIndex", o.endIndex, d.endIndex, -1),
    testSize: o.testSize === undefined ? undefined : int("testSize", o.testSize, 0, 0),
    validSize: int("validSize", o.validSize, d.validSize, 0),
    seed: int("seed", o.seed, d.seed, Number.MIN_SAFE_INTEGER),
    promptVariant: o.promptVariant,
    systemPrompt: o.systemPrompt,
    chatTemplate: o.chatTemplate,
    remeasure: o.remeasure ?? d.remeasure,
    withAliases: o.withAliases ?? d.withAliases,
    rowGroupRows: int("rowGroupRows", o.rowGroupRows, d.rowGroupRows, 1),
    rowGroupChars: int("rowGroupChars", o.rowGroupChars, d.rowGroupChars, 1),
  };
  if (r.promptVariant !== undefined && r.promptVariant !== "default" && r.promptVariant !== "find-first")
    problems.push(`promptVariant must be "default" or "find-first", got ${JSON.stringify(r.promptVariant)}`);
  if (r.endIndex >= 0 && r.endIndex < r.startIndex)
    problems.push(`endIndex ${r.endIndex} is before startIndex ${r.startIndex}`);
  if (r.remeasure && !o.tokenizer) problems.push("remeasure needs a tokenizer");
  if (r.chatTemplate === "auto" && !o.tokenizer)
    problems.push('chatTemplate "auto" (the tokenizer\'s own template) needs a tokenizer');
  if (problems.length > 0) throw new ConfigError(`Invalid export options: ${problems.join("; ")}`);
  return r;
}

/** What the export asks of every record's prompt, resolved (undefined = keep each record's own). */
interface PromptAsk {
  variant: KeychainPromptVariant | undefined;
  /** `null` = no system message; undefined = keep. */
  system: string | null | undefined;
  template: ChatTemplate | undefined;
}

/** What a record needs before it can be written. */
interface RowNeed {
  /** The messages to write. */
  messages: ExportRecord["prompt"];
  /** Why it must be counted again, or undefined when its stored count holds. */
  remeasure: string | undefined;
}

/** Pass 1 over the input: every record checked, the kind, and each row's question id. */
interface InputScan {
  kind: ExportKind;
  ids: string[];
  renderedPrompts: number;
}

async function scanInput(o: ResolvedExportVerlOptions, ask: PromptAsk): Promise<InputScan> {
  let kind: ExportKind | undefined;
  const ids: string[] = [];
  let renderedPrompts = 0;
  let mismatched = 0;
  let first: string | undefined;
  for await (const { line, text } of readLines(o.input)) {
    if (text.trim() === "") continue;
    const place = { file: o.input, line };
    const record = parseExportLine(text, kind, place);
    kind ??= record.kind;
    if (kind === "plain" && o.promptVariant !== undefined)
      throw new ConfigError(
        `--prompt-variant applies to KeyChain records, but "${o.input}" holds plain records (line ${line})`,
      );
    if (record.promptRendered) renderedPrompts++;
    const need = rowNeed(record, ask);
    if (need.remeasure !== undefined && !o.remeasure) {
      mismatched++;
      first ??= `line ${line} (id "${record.id}"): ${need.remeasure}`;
    }
    ids.push(record.id);
  }
  if (kind === undefined) throw new InputError("no records: the file is empty", { file: o.input });
  if (mismatched > 0)
    throw new ConfigError(
      `${mismatched} of ${ids.length} records of "${o.input}" were not measured for the prompt this export asks for, so their prompt_length would not hold in the trainer; first: ${first}. ` +
        "Pass --remeasure (with --tokenizer) to count them again and drop the rows over budget, or export without the option.",
    );
  return { kind, ids, renderedPrompts };
}

/** The messages a record is written with, and whether (and why) they must be counted again. */
function rowNeed(record: ExportRecord, ask: PromptAsk): RowNeed {
  let messages = record.prompt;
  if (
    ask.variant !== undefined &&
    record.kind === "keychain" &&
    (record.promptVariant ?? "default") !== ask.variant
  ) {
    const user = renderUserMessage(
      { kind: "keychain", variant: ask.variant, chainHead: record.chainHead as string },
      record.context,
    );
    messages = promptMessages(systemOf(messages), user);
  }
  if (ask.system !== undefined && (systemOf(messages) ?? null) !== ask.system)
    messages = promptMessages(ask.system ?? undefined, userOf(messages));
  const reasons: string[] = [];
  if (!samePrompt(messages, record.prompt)) {
    const was = systemOf(record.prompt) === undefined ? "no system message" : "another system message";
    reasons.push(
      ask.variant !== undefined && record.promptVariant !== ask.variant && record.kind === "keychain"
        ? `built with prompt variant "${record.promptVariant ?? "default"}", asked "${ask.variant}"`
        : `built with ${was}, asked ${ask.system === null ? "none" : "a different one"}`,
    );
  }
  if (ask.template !== undefined && templateHash(record) !== ask.template.hash)
    reasons.push(
      `measured with chat template "${record.chatTemplate ?? "none"}", asked "${ask.template.name}" (another template)`,
    );
  if (record.promptRendered && record.kind === "plain")
    reasons.push(
      "written before prompts were stored: its prompt_length does not count the instruction and question",
    );
  return { messages, remeasure: reasons.length > 0 ? reasons.join("; ") : undefined };
}

/** The template hash a record was measured with; records from before hashes were kept name a preset or none. */
function templateHash(record: ExportRecord): string | undefined {
  if (record.chatTemplateHash !== undefined) return record.chatTemplateHash;
  const name = record.chatTemplate ?? "none";
  if (name === "none") return NO_CHAT_TEMPLATE.hash;
  return Object.hasOwn(CHAT_TEMPLATE_PRESETS, name)
    ? presetTemplate(name as ChatTemplatePreset).hash
    : undefined;
}

/** The template a record is counted through when re-measured: the one asked, or the record's own. */
function remeasureTemplate(
  record: ExportRecord,
  ask: PromptAsk,
  tokenizer: TokenCounter,
  cache: Map<string, ChatTemplate>,
): Promise<ChatTemplate> {
  if (ask.template) return Promise.resolve(ask.template);
  return recordTemplate(record.chatTemplate ?? "none", record.chatTemplateHash, tokenizer, cache);
}

/**
 * Export a plain or KeyChain JSONL file as verl RL parquet files `train.parquet`, `test.parquet` and
 * `valid.parquet` in `outDir` (schema: {@link VERL_SCHEMA}). Each row's prompt is the record's stored
 * prompt, byte for byte (the text its `prompt_length` counted). Splits are disjoint by question id (see
 * {@link planSplits}); rows keep file order within each split. The same input and options give byte-identical
 * files. Every record is checked before anything is written; files are written under temporary names and
 * renamed into place only when all three are complete.
 */
export async function exportVerl(options: ExportVerlOptions): Promise<ExportVerlResult> {
  const o = resolveExportVerlOptions(options);
  const tokenizer = options.tokenizer;
  const ask: PromptAsk = {
    variant: o.promptVariant,
    system: o.systemPrompt === undefined ? undefined : ((await resolveSystemPrompt(o.systemPrompt)) ?? null),
    template:
      o.chatTemplate === undefined
        ? undefined
        : await resolveChatTemplate(o.chatTemplate, tokenizer ?? { chatTemplate: undefined }),
  };
  const scan = await scanInput(o, ask);
  const n = scan.ids.length;
  const end = o.endIndex < 0 ? n : o.endIndex;
  if (o.startIndex > n || end > n)
    throw new ConfigError(
      `The training slice [${o.startIndex}, ${end}) does not fit "${o.input}", which has ${n} records`,
    );
  const plan = planSplits(scan.ids, {
    start: o.startIndex,
    end,
    ...(o.testSize === undefined ? {} : { testSize: o.testSize }),
    validSize: o.validSize,
    seed: o.seed,
  });
  const splitOf = new Int8Array(n).fill(-1);
  SPLIT_NAMES.forEach((s, k) => {
    for (const i of plan[s]) splitOf[i] = k;
  });

  const rowOptions: RowOptions = {
    dataSource: dataSourceName(scan.kind, parse(o.input).name),
    withAliases: o.withAliases,
  };
  const result: ExportVerlResult = {
    train: 0,
    test: 0,
    valid: 0,
    withheld: plan.withheld.length,
    files: SPLIT_NAMES.map((s) => join(o.outDir, `${s}.parquet`)),
    kind: scan.kind,
    dataSource: rowOptions.dataSource,
    renderedPrompts: scan.renderedPrompts,
    remeasured: 0,
    dropped: [],
  };
  const templates = new Map<string, ChatTemplate>();
  const sinks: SplitSink[] = [];
  try {
    for (const [k, f] of result.files.entries())
      sinks.push(new SplitSink(SPLIT_NAMES[k] as SplitName, await AtomicParquetFile.open(f, VERL_SCHEMA), o));
    let row = -1;
    for await (const { line, text } of readLines(o.input)) {
      if (text.trim() === "") continue;
      row++;
      const sink = sinks[splitOf[row] ?? -1];
      if (!sink) continue;
      let record = parseExportLine(text, scan.kind, { file: o.input, line });
      const need = rowNeed(record, ask);
      if (need.remeasure !== undefined && tokenizer) {
        const budget = recordBudget(record);
        if (budget === undefined)
          throw new InputError(
            "cannot re-measure a record without target_length, length and prompt_length (its budget is unknown)",
            { file: o.input, line, id: record.id },
          );
        const template = await remeasureTemplate(record, ask, tokenizer, templates);
        const tokens = await tokenizer.count(template.render(need.messages));
        result.remeasured++;
        if (tokens > budget) {
          result.dropped.push({ line, id: record.id, tokens, budget });
          continue;
        }
        const g = (record.length as number) - (record.promptLength as number);
        record = { ...record, prompt: need.messages, promptLength: tokens, length: tokens + g };
      }
      await sink.add(record, rowOptions);
    }
    if (row + 1 !== n)
      throw new InputError(`the file changed while it was being read (${n} records, then ${row + 1})`, {
        file: o.input,
      });
    for (const sink of sinks) await sink.flush();
    for (const sink of sinks) await sink.file.commit();
  } catch (e) {
    await Promise.all(sinks.map((sink) => sink.file.abort()));
    throw e;
  }
  [result.train, result.test, result.valid] = sinks.map((s) => s.count) as [number, number, number];
  return result;
}

/** One split's output file and the row group being gathered for it. */
class SplitSink {
  private rows: VerlRow[] = [];
  private chars = 0;
  private written = 0;

  /** Rows added so far. */
  get count(): number {
    return this.written;
  }

  constructor(
    readonly split: SplitName,
    readonly file: AtomicParquetFile,
    private readonly limits: { rowGroupRows: number; rowGroupChars: number },
  ) {}

  /** Add a record as the next row (its `extra_info.index` is its position in this file). */
  async add(record: ExportRecord, options: RowOptions): Promise<void> {
    const row = toVerlRow(record, this.split, this.written++, options);
    this.rows.push(row);
    for (const m of row.prompt) this.chars += m.content.length;
    if (this.rows.length >= this.limits.rowGroupRows || this.chars >= this.limits.rowGroupChars)
      await this.flush();
  }

  /** Write the gathered rows as one row group. */
  async flush(): Promise<void> {
    await this.file.writeRowGroup(toColumnData(this.rows));
    this.rows = [];
    this.chars = 0;
  }
}
