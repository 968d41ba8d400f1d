import { join, parse, resolve } from "node:path";
import { ConfigError, InputError } from "../errors.js";
import { type Line, readLines } from "../io/lines.js";
import { Rng } from "../rng.js";
import { apportion, planMix } from "./mix-plan.js";
import {
  type DroppedRow,
  type PromptAsk,
  prepareRow,
  resolvePromptAsk,
  type TemplateCache,
  type TemplateRef,
  templateHash,
} from "./prompt-check.js";
import { type ExportKind, parseExportLine } from "./records.js";
import { firstRecord, type InputScan, mismatchError, scanInput } from "./scan.js";
import { SPLIT_NAMES, SplitSink, splitOfRows, writeSplitFiles } from "./split-sink.js";
import {
  EXPORT_VERL_DEFAULTS,
  intCheck,
  type ResolvedVerlWriteOptions,
  resolveVerlWriteOptions,
  type VerlWriteOptions,
} from "./verl-options.js";
import { dataSourceName, type RowOptions, type SplitName, VERL_SCHEMA } from "./verl-row.js";

/** One input of a mix: a file and how many of its rows train, as a count or as a weight of `total`. */
export interface MixSource {
  /** JSONL of plain or KeyChain records (one kind per file; the inputs may differ). */
  input: string;
  /** Training rows taken from this input: its first `count` rows (an integer ≥ 1). */
  count?: number;
  /** This input's share of `total`, instead of `count` (a number > 0; the shares are apportioned by largest
   * remainder). */
  weight?: number;
}

/** Options of {@link exportVerlMix}, as a caller writes them. */
export interface ExportVerlMixOptions extends VerlWriteOptions {
  /** The inputs, each with a `count`, or each with a `weight` (and `total`). */
  sources: MixSource[];
  /** Training rows over all inputs, shared by the weights. Only with weights. */
  total?: number;
  /** An input with fewer records than its count gives all it has (the result says so), instead of stopping
   * the export. @default false */
  allowShort?: boolean;
  /** Most rows in test.parquet over all inputs, shared in proportion to the training rows.
   * @default min(rows eligible for test, training rows) */
  testSize?: number;
  /** Seed of the valid draw and of the row order. @default 42 */
  seed?: number;
}

/** {@link ExportVerlMixOptions} with every data-independent default filled in. */
export interface ResolvedExportVerlMixOptions extends ResolvedVerlWriteOptions {
  /** Each input and the training rows asked of it (weights already shared out of `total`). */
  sources: { input: string; count: number }[];
  allowShort: boolean;
  testSize: number | undefined;
  seed: number;
}

/** What {@link exportVerlMix} wrote from one input. */
export interface MixSourceResult {
  input: string;
  kind: ExportKind;
  /** The `data_source` of its rows: `dataSourceName(kind, stem)`. */
  dataSource: string;
  /** Records in the file. */
  records: number;
  /** Training rows asked (its count, or its share of the total). */
  asked: number;
  /** True when the file had fewer records than asked and all were taken (`allowShort`). */
  short: boolean;
  /** Rows written to each file. */
  train: number;
  test: number;
  valid: number;
  /** Rows outside its training slice whose question id trains in some input: written to no file. */
  withheld: number;
  /** Records without a stored prompt: rendered from their fields. */
  renderedPrompts: number;
  /** Records counted again (`remeasure`). */
  remeasured: number;
  /** Re-measured records over their budget, in no file. */
  dropped: DroppedRow[];
}

/** What {@link exportVerlMix} wrote. */
export interface ExportVerlMixResult {
  /** Rows in each file, over all inputs. */
  train: number;
  test: number;
  valid: number;
  /** Paths of train.parquet, test.parquet, valid.parquet. */
  files: string[];
  /** The chat template every row's prompt_length holds for: `chatTemplate`, or the first record's. */
  chatTemplate: string;
  /** Per input, in the order given. */
  sources: MixSourceResult[];
}

/** Check the options and fill in the defaults; every problem is reported at once in one ConfigError. */
export function resolveExportVerlMixOptions(o: ExportVerlMixOptions): ResolvedExportVerlMixOptions {
  const problems: string[] = [];
  const int = intCheck(problems);
  const d = EXPORT_VERL_DEFAULTS;
  const sources = o.sources ?? [];
  if (sources.length === 0) problems.push("sources must list at least one input");
  const seen = new Map<string, number>();
  sources.forEach((s, k) => {
    const where = `sources[${k}] ("${s.input}")`;
    const before = seen.get(resolve(s.input));
    if (before !== undefined) problems.push(`${where} is sources[${before}] again`);
    seen.set(resolve(s.input), k);
    if ((s.count === undefined) === (s.weight === undefined))
      problems.push(`${where} needs a count or a weight (one of them)`);
    if (s.count !== undefined) int(`${where}.count`, s.count, 0, 1);
    if (s.weight !== undefined && !(Number.isFinite(s.weight) && s.weight > 0))
      problems.push(`${where}.weight must be a number > 0, got ${s.weight}`);
  });
  const weighted = sources.some((s) => s.weight !== undefined);
  if (weighted && sources.some((s) => s.count !== undefined))
    problems.push("sources must all have counts or all have weights, not both");
  if (weighted && o.total === undefined) problems.push("weights need a total (the training rows to share)");
  if (!weighted && o.total !== undefined)
    problems.push("total applies to weights; with counts, leave it out");
  const total = o.total === undefined ? undefined : int("total", o.total, 0, 1);
  const r: ResolvedExportVerlMixOptions = {
    sources: [],
    allowShort: o.allowShort ?? d.allowShort,
    testSize: o.testSize === undefined ? undefined : int("testSize", o.testSize, 0, 0),
    seed: int("seed", o.seed, d.seed, Number.MIN_SAFE_INTEGER),
    ...resolveVerlWriteOptions(o, problems),
  };
  const shared = weighted && problems.length === 0;
  const counts = shared
    ? apportion(
        total as number,
        sources.map((s) => s.weight as number),
      )
    : sources.map((s) => s.count ?? 0);
  if (shared)
    counts.forEach((c, k) => {
      if (c === 0)
        problems.push(
          `total ${total} is too small for the weights: sources[${k}] ("${sources[k]?.input}") would get no training row`,
        );
    });
  if (problems.length > 0) throw new ConfigError(`Invalid export options: ${problems.join("; ")}`);
  r.sources = sources.map((s, k) => ({ input: s.input, count: counts[k] as number }));
  return r;
}

/**
 * Export several plain or KeyChain JSONL files as ONE verl RL set, `train.parquet`, `test.parquet` and
 * `valid.parquet` in `outDir` (schema {@link VERL_SCHEMA}):
 *
 * - Each input trains on its first `count` rows; each row keeps its input's `data_source`
 *   (`dataSourceName(kind, stem)`, so the reward dispatch still works) and its record's stored prompt, byte
 *   for byte. An input with fewer records than asked is an error naming it, unless `allowShort`.
 * - Splits are disjoint by question id across all inputs; test and valid sizes are shared in proportion to
 *   the training rows (see {@link planMix}).
 * - Row order, seeded: each output file interleaves its inputs at random (a uniform shuffle of which input each
 *   position draws from) while each input's rows follow file order; then each row group's rows are shuffled
 *   among themselves. Every stretch of rows thus mixes the inputs in the mix's proportions, but a row from
 *   late in its file lands late in the output: a full shuffle would hold every prompt in memory or spill them
 *   all to disk (verl's sampler shuffles again each epoch anyway).
 * - Memory: pass 1 keeps only ids; pass 2 reads all inputs side by side once, and holds at most one row
 *   group per split.
 * - Every row's `prompt_length` must hold for one chat template: `chatTemplate`, or by default the template
 *   the first input's first record was measured with. Records measured with another (or asked a prompt they
 *   were not built with) are refused with the first offending line per input, unless `remeasure`.
 *
 * The same inputs and options give byte-identical files. Files are written under temporary names and
 * renamed into place only when all three are complete.
 */
export async function exportVerlMix(options: ExportVerlMixOptions): Promise<ExportVerlMixResult> {
  const o = resolveExportVerlMixOptions(options);
  const tokenizer = options.tokenizer;
  const templates: TemplateCache = new Map();
  const asked = await resolvePromptAsk(o, tokenizer, templates);
  const first = o.sources[0]?.input as string;
  const template = asked.template ?? (await firstTemplate(first));
  const ask: PromptAsk = { ...asked, template };
  const scans: InputScan[] = [];
  for (const s of o.sources) scans.push(await scanInput(s.input, ask, o.remeasure));
  checkScans(o, ask, scans, first);

  const counts = o.sources.map((s, k) => Math.min(s.count, scans[k]?.ids.length ?? 0));
  const plan = planMix(
    scans.map((s, k) => ({ ids: s.ids, count: counts[k] as number })),
    { ...(o.testSize === undefined ? {} : { testSize: o.testSize }), validSize: o.validSize, seed: o.seed },
  );
  const splitOf = plan.sources.map((p, k) => splitOfRows(scans[k]?.ids.length ?? 0, p));
  const rowOptions: RowOptions[] = scans.map((s) => ({
    dataSource: dataSourceName(s.kind, parse(s.input).name),
    withAliases: o.withAliases,
  }));
  const result: ExportVerlMixResult = {
    train: 0,
    test: 0,
    valid: 0,
    files: SPLIT_NAMES.map((s) => join(o.outDir, `${s}.parquet`)),
    chatTemplate: template.name,
    sources: scans.map((s, k) => ({
      input: s.input,
      kind: s.kind,
      dataSource: (rowOptions[k] as RowOptions).dataSource,
      records: s.ids.length,
      asked: o.sources[k]?.count as number,
      short: (counts[k] as number) < (o.sources[k]?.count as number),
      train: 0,
      test: 0,
      valid: 0,
      withheld: plan.sources[k]?.withheld.length ?? 0,
      renderedPrompts: s.renderedPrompts,
      remeasured: 0,
      dropped: [],
    })),
  };

  const remeasure = tokenizer ? { tokenizer, templates } : undefined;
  const cursors = o.sources.map((s) => new RowCursor(s.input));
  let sinks: SplitSink[];
  try {
    sinks = await writeSplitFiles(
      o.outDir,
      (split, file) => new SplitSink(split, file, o, Rng.derive("export-mix-rows", o.seed, split)),
      async (sinks) => {
        for (const k of plan.order) {
          const cursor = cursors[k] as RowCursor;
          const splits = splitOf[k] as Int8Array;
          let next = await cursor.next();
          while (next && (splits[next.row] ?? -1) < 0) next = await cursor.next();
          if (!next)
            throw new InputError(
              `the file changed while it was being read (${splits.length} records, then fewer)`,
              { file: cursor.input },
            );
          const split = splits[next.row] as number;
          const place = { file: cursor.input, line: next.line };
          const prepared = await prepareRow(
            parseExportLine(next.text, scans[k]?.kind, place),
            ask,
            remeasure,
            place,
          );
          const counted = result.sources[k] as MixSourceResult;
          if (prepared.remeasured) counted.remeasured++;
          if (prepared.dropped) {
            counted.dropped.push(prepared.dropped);
            continue;
          }
          await sinks[split]?.add(prepared.record, rowOptions[k] as RowOptions);
          counted[SPLIT_NAMES[split] as SplitName]++;
        }
      },
    );
  } finally {
    await Promise.all(cursors.map((c) => c.close()));
  }
  [result.train, result.test, result.valid] = sinks.map((s) => s.count) as [number, number, number];
  return result;
}

/** The chat template the first record of `input` was measured with: the mix's rows share it. */
async function firstTemplate(input: string): Promise<TemplateRef> {
  const record = await firstRecord(input);
  const hash = templateHash(record);
  if (hash === undefined)
    throw new ConfigError(
      `Cannot tell which chat template "${input}" was measured with (its records name "${record.chatTemplate}" without a hash); pass --chat-template`,
    );
  return { name: record.chatTemplate ?? "none", hash };
}

/** Refuse `--prompt-variant` with no KeyChain input, then unmeasured records, then short inputs (each naming every
 * input concerned). */
function checkScans(
  o: ResolvedExportVerlMixOptions,
  ask: PromptAsk,
  scans: readonly InputScan[],
  first: string,
): void {
  if (o.promptVariant !== undefined && scans.every((s) => s.kind === "plain"))
    throw new ConfigError(
      `--prompt-variant applies to KeyChain records, but every input holds plain records (${scans.map((s) => `"${s.input}"`).join(", ")})`,
    );
  const refused = mismatchError(
    scans,
    o.chatTemplate === undefined
      ? `The rows of one set are read through one chat template: "${ask.template?.name}", that of the first record of "${first}" (choose another with --chat-template). Pass --remeasure (with --tokenizer) to count them again and drop the rows over budget.`
      : "Pass --remeasure (with --tokenizer) to count them again and drop the rows over budget, or export without the option.",
  );
  if (refused) throw refused;
  if (o.allowShort) return;
  const short = o.sources
    .map((s, k) => ({ ...s, records: scans[k]?.ids.length ?? 0 }))
    .filter((s) => s.records < s.count);
  if (short.length > 0)
    throw new ConfigError(
      `${short.map((s) => `"${s.input}" has ${s.records} records, but the mix asks ${s.count} training rows of it`).join("; ")}. Ask fewer, or pass --allow-short to take all the records of a shorter input.`,
    );
}

/** The rows (non-blank lines) of one input, read on demand in file order; `row` counts from 0. */
class RowCursor {
  private readonly lines: AsyncGenerator<Line>;
  private row = -1;

  constructor(readonly input: string) {
    this.lines = readLines(input);
  }

  /** The next row, or undefined at the end of the file. */
  async next(): Promise<(Line & { row: number }) | undefined> {
    for (;;) {
      const r = await this.lines.next();
      if (r.done) return undefined;
      if (r.value.text.trim() === "") continue;
      this.row++;
      return { ...r.value, row: this.row };
    }
  }

  /** Close the file. */
  async close(): Promise<void> {
    await this.lines.return(undefined);
  }
}
