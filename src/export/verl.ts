import { join, parse } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import { AtomicParquetFile } from "./parquet-file.js";
import { type ExportKind, type ExportRecord, parseExportLine } from "./records.js";
import { planSplits } from "./splits.js";
import {
  dataSourceName,
  type RowOptions,
  type SplitName,
  type SystemPrompt,
  toColumnData,
  toVerlRow,
  VERL_SCHEMA,
  type VerlRow,
} from "./verl-row.js";

/** Options of {@link exportVerl}, as a caller writes them. */
export interface ExportVerlOptions {
  /** JSONL of plain records (`input`, `context`, `answers`, …) or KeyChain records (with `distractor_context`
   * and `chain_head_with_question`); the kind is detected from the first record. */
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
  /** KeyChain wording; must equal every record's `prompt_variant` (the budget was counted for it).
   * @default each record's `prompt_variant`, or `default` */
  promptVariant?: KeychainPromptVariant;
  /** `qwen_orz_boxed` puts verl's qwen_orz_boxed system text first in every prompt. @default "none" */
  systemPrompt?: SystemPrompt;
  /** Append `answer_aliases` not already among the answers to `ground_truth`. @default false */
  withAliases?: boolean;
  /** Most rows per parquet row group. @default 1000 */
  rowGroupRows?: number;
  /** Most prompt characters per parquet row group (bounds memory for long prompts). @default 2^26 */
  rowGroupChars?: number;
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
  systemPrompt: SystemPrompt;
  withAliases: boolean;
  rowGroupRows: number;
  rowGroupChars: number;
}

export const SPLIT_NAMES: readonly SplitName[] = ["train", "test", "valid"];

/** Check the options and fill in the defaults; every problem is reported at once in one ConfigError. */
export function resolveExportVerlOptions(o: ExportVerlOptions): ResolvedExportVerlOptions {
  const problems: string[] = [];
  const int = (name: string, value: number | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min)
      problems.push(`${name} must be an integer ≥ ${min}, got ${value}`);
    return value;
  };
  const r: ResolvedExportVerlOptions = {
    input: o.input,
    outDir: o.outDir,
    startIndex: int("startIndex", o.startIndex, 0, 0),
    endIndex: int("endIndex", o.endIndex, -1, -1),
    testSize: o.testSize === undefined ? undefined : int("testSize", o.testSize, 0, 0),
    validSize: int("validSize", o.validSize, 100, 0),
    seed: int("seed", o.seed, 42, Number.MIN_SAFE_INTEGER),
    promptVariant: o.promptVariant,
    systemPrompt: o.systemPrompt ?? "none",
    withAliases: o.withAliases ?? false,
    rowGroupRows: int("rowGroupRows", o.rowGroupRows, 1000, 1),
    rowGroupChars: int("rowGroupChars", o.rowGroupChars, 1 << 26, 1),
  };
  if (r.promptVariant !== undefined && r.promptVariant !== "default" && r.promptVariant !== "find-first")
    problems.push(`promptVariant must be "default" or "find-first", got ${JSON.stringify(r.promptVariant)}`);
  if (r.systemPrompt !== "none" && r.systemPrompt !== "qwen_orz_boxed")
    problems.push(`systemPrompt must be "none" or "qwen_orz_boxed", got ${JSON.stringify(r.systemPrompt)}`);
  if (r.endIndex >= 0 && r.endIndex < r.startIndex)
    problems.push(`endIndex ${r.endIndex} is before startIndex ${r.startIndex}`);
  if (problems.length > 0) throw new ConfigError(`Invalid export options: ${problems.join("; ")}`);
  return r;
}

/** Pass 1 over the input: every record checked, the kind, and each row's question id. */
interface InputScan {
  kind: ExportKind;
  ids: string[];
}

async function scanInput(o: ResolvedExportVerlOptions): Promise<InputScan> {
  let kind: ExportKind | undefined;
  const ids: string[] = [];
  for await (const { line, text } of readLines(o.input)) {
    if (text.trim() === "") continue;
    const place = { file: o.input, line };
    const record = parseExportLine(text, kind, place);
    kind ??= record.kind;
    if (kind === "plain" && o.promptVariant !== undefined)
      throw new ConfigError(
        `--prompt-variant applies to KeyChain records, but "${o.input}" holds plain records (line ${line} has no distractor_context)`,
      );
    checkVariant(record, o, place);
    ids.push(record.id);
  }
  if (kind === undefined) throw new InputError("no records: the file is empty", { file: o.input });
  return { kind, ids };
}

function checkVariant(
  record: ExportRecord,
  o: ResolvedExportVerlOptions,
  place: { file: string; line: number },
) {
  if (o.promptVariant === undefined || record.promptVariant === undefined) return;
  if (record.promptVariant !== o.promptVariant)
    throw new InputError(
      `the record was built for prompt variant "${record.promptVariant}" (its length budget was counted with that wording), but the export asks for "${o.promptVariant}"`,
      { ...place, id: record.id, field: "prompt_variant" },
    );
}

/**
 * Export a plain or KeyChain JSONL file as verl RL parquet files `train.parquet`, `test.parquet` and
 * `valid.parquet` in `outDir` (schema: {@link VERL_SCHEMA}). Splits are disjoint by question id (see
 * {@link planSplits}); rows keep file order within each split. The same input and options give byte-identical
 * files. Every record is checked before anything is written; files are written under temporary names and
 * renamed into place only when all three are complete.
 */
export async function exportVerl(options: ExportVerlOptions): Promise<ExportVerlResult> {
  const o = resolveExportVerlOptions(options);
  const scan = await scanInput(o);
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
    systemPrompt: o.systemPrompt,
    withAliases: o.withAliases,
    ...(o.promptVariant === undefined ? {} : { promptVariant: o.promptVariant }),
  };
  const files = SPLIT_NAMES.map((s) => join(o.outDir, `${s}.parquet`));
  const sinks: SplitSink[] = [];
  try {
    for (const [k, f] of files.entries())
      sinks.push(new SplitSink(SPLIT_NAMES[k] as SplitName, await AtomicParquetFile.open(f, VERL_SCHEMA), o));
    let row = -1;
    for await (const { line, text } of readLines(o.input)) {
      if (text.trim() === "") continue;
      row++;
      const sink = sinks[splitOf[row] ?? -1];
      if (!sink) continue;
      await sink.add(parseExportLine(text, scan.kind, { file: o.input, line }), rowOptions);
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
  return {
    train: plan.train.length,
    test: plan.test.length,
    valid: plan.valid.length,
    withheld: plan.withheld.length,
    files,
    kind: scan.kind,
    dataSource: rowOptions.dataSource,
  };
}

/** One split's output file and the row group being gathered for it. */
class SplitSink {
  private rows: VerlRow[] = [];
  private chars = 0;
  private written = 0;

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
