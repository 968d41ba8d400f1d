import { join, parse } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { type DroppedRow, prepareRow, resolvePromptAsk, type TemplateCache } from "./prompt-check.js";
import { type ExportKind, parseExportLine } from "./records.js";
import { mismatchError, scanInput } from "./scan.js";
import { SPLIT_NAMES, SplitSink, splitOfRows, writeSplitFiles } from "./split-sink.js";
import { planSplits } from "./splits.js";
import {
  EXPORT_VERL_DEFAULTS,
  intCheck,
  type ResolvedVerlWriteOptions,
  resolveVerlWriteOptions,
  type VerlWriteOptions,
} from "./verl-options.js";
import { dataSourceName, type RowOptions, VERL_SCHEMA } from "./verl-row.js";

export type { DroppedRow } from "./prompt-check.js";
export { SPLIT_NAMES } from "./split-sink.js";
export { EXPORT_VERL_DEFAULTS } from "./verl-options.js";

/** Options of {@link exportVerl}, as a caller writes them. */
export interface ExportVerlOptions extends VerlWriteOptions {
  /** JSONL of plain or KeyChain records; the kind is read from the first record. Each row's prompt is the
   * record's stored `prompt`, byte for byte. */
  input: string;
  /** First row of the training slice (0-based). @default 0 */
  startIndex?: number;
  /** End of the training slice (exclusive); -1 = to the last row. @default -1 */
  endIndex?: number;
  /** Most rows in test.parquet. @default min(rows left after train, train rows) */
  testSize?: number;
  /** Seed of the valid draw. @default 42 */
  seed?: number;
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
export interface ResolvedExportVerlOptions extends ResolvedVerlWriteOptions {
  input: string;
  startIndex: number;
  endIndex: number;
  testSize: number | undefined;
  seed: number;
}

/** Check the options and fill in the defaults; every problem is reported at once in one ConfigError. */
export function resolveExportVerlOptions(o: ExportVerlOptions): ResolvedExportVerlOptions {
  const problems: string[] = [];
  const int = intCheck(problems);
  const d = EXPORT_VERL_DEFAULTS;
  const r: ResolvedExportVerlOptions = {
    input: o.input,
    startIndex: int("startIndex", o.startIndex, d.startIndex, 0),
    endIndex: int("endIndex", o.endIndex, d.endIndex, -1),
    testSize: o.testSize === undefined ? undefined : int("testSize", o.testSize, 0, 0),
    seed: int("seed", o.seed, d.seed, Number.MIN_SAFE_INTEGER),
    ...resolveVerlWriteOptions(o, problems),
  };
  if (r.endIndex >= 0 && r.endIndex < r.startIndex)
    problems.push(`endIndex ${r.endIndex} is before startIndex ${r.startIndex}`);
  if (problems.length > 0) throw new ConfigError(`Invalid export options: ${problems.join("; ")}`);
  return r;
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
  const templates: TemplateCache = new Map();
  const ask = await resolvePromptAsk(o, tokenizer, templates);
  const scan = await scanInput(o.input, ask, o.remeasure);
  if (scan.kind === "plain" && o.promptVariant !== undefined)
    throw new ConfigError(
      `--prompt-variant applies to KeyChain records, but "${o.input}" holds plain records (line ${scan.firstLine})`,
    );
  const refused = mismatchError(
    [scan],
    "Pass --remeasure (with --tokenizer) to count them again and drop the rows over budget, or export without the option.",
  );
  if (refused) throw refused;
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
  const splitOf = splitOfRows(n, plan);

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
  const remeasure = tokenizer ? { tokenizer, templates } : undefined;
  const sinks = await writeSplitFiles(
    o.outDir,
    (split, file) => new SplitSink(split, file, o),
    async (sinks) => {
      let row = -1;
      for await (const { line, text } of readLines(o.input)) {
        if (text.trim() === "") continue;
        row++;
        const sink = sinks[splitOf[row] ?? -1];
        if (!sink) continue;
        const place = { file: o.input, line };
        const prepared = await prepareRow(parseExportLine(text, scan.kind, place), ask, remeasure, place);
        if (prepared.remeasured) result.remeasured++;
        if (prepared.dropped) result.dropped.push(prepared.dropped);
        else await sink.add(prepared.record, rowOptions);
      }
      if (row + 1 !== n)
        throw new InputError(`the file changed while it was being read (${n} records, then ${row + 1})`, {
          file: o.input,
        });
    },
  );
  [result.train, result.test, result.valid] = sinks.map((s) => s.count) as [number, number, number];
  return result;
}
