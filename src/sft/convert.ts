import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { pyStrip } from "../scoring/python-text.js";
import { buildSwiftRow } from "./build-row.js";
import { fileStem, maxSeqPrefix, modelFileTag, swiftOutputStem } from "./names.js";
import { type BadLine, readRolloutModel } from "./rollout-file.js";
import { writeRolloutRows } from "./write-rows.js";

/** What callers write. */
export interface ConvertOptions {
  /** A rollout output file (`{out}/{dataset}/{stem}-{model}.jsonl`). */
  input: string;
  /** Output folder. */
  outDir: string;
  /**
   * Written as each row's `model` and into the output name; no "/".
   * @default the model the rollout file records (see {@link resolveRowModel})
   */
  modelTag?: string;
  /**
   * Skip trajectories whose text is empty or whitespace (a separate `reasoning_content` does not count: with
   * no answer after the thinking, the output was cut short). @default true
   */
  skipEmpty?: boolean;
}

/** Every default filled in. */
export interface ResolvedConvertOptions {
  input: string;
  outDir: string;
  /** `undefined`: the model the rollout file records ({@link resolveRowModel}). */
  modelTag: string | undefined;
  skipEmpty: boolean;
}

export interface ConvertSummary {
  outputPath: string;
  /** Usable records read. */
  records: number;
  /** Rows written. */
  rows: number;
  /** Trajectories skipped for empty or whitespace text. */
  skippedEmpty: number;
  /** Lines that could not be used (not JSON, a field missing or mistyped); no row was written for them. */
  badLines: BadLine[];
}

/** What the rows of one converted file are labelled with. */
export interface RowModel {
  /** Each row's `model`. */
  name: string;
  /** Part of the output name (never holds "/"). */
  tag: string;
}

/**
 * Checks the options (the input's name too: it must give an output name, so this fails before anything is
 * read) and fills in the defaults, except the model tag, which needs the file ({@link resolveRowModel}).
 */
export function resolveConvertOptions(o: ConvertOptions): ResolvedConvertOptions {
  const problems: string[] = [];
  const { modelTag } = o;
  if (modelTag !== undefined && (modelTag === "" || /[/\\]/.test(modelTag)))
    problems.push(`model tag must be a non-empty name without "/", got ${JSON.stringify(modelTag)}`);
  if (problems.length > 0) throw new ConfigError(`Invalid SFT options: ${problems.join("; ")}.`);
  maxSeqPrefix(fileStem(o.input), o.input);
  return {
    input: o.input,
    outDir: o.outDir,
    modelTag,
    skipEmpty: o.skipEmpty ?? true,
  };
}

/**
 * The labels of `o.input`'s rows: `o.modelTag` for both when given. Otherwise the model the rollout file
 * records, from the first usable record that names one (`rollout` writes the same `model` on every line):
 * the rows get the name as recorded (`Qwen/Qwen3-8B`: it says what wrote them), the output name gets it with
 * "/" → "_" (`Qwen_Qwen3-8B`: one path part, as the rollout's own file name). A {@link ConfigError} when no
 * record names a model. Records naming different models are refused later, while the rows are written.
 */
export async function resolveRowModel(
  o: Pick<ResolvedConvertOptions, "input" | "modelTag">,
): Promise<RowModel> {
  if (o.modelTag !== undefined) return { name: o.modelTag, tag: o.modelTag };
  const found = await readRolloutModel(o.input);
  if (found === undefined)
    throw new ConfigError(
      `No record of "${o.input}" names the model that wrote it (no "model" field): pass --model-tag (modelTag) to label its rows.`,
    );
  return { name: found.model, tag: modelFileTag(found.model) };
}

/** `{outDir}/{…max_seq_N}-{modelTag}-swift.jsonl` */
export function convertOutputPath(o: { input: string; outDir: string; modelTag: string }): string {
  return join(o.outDir, `${swiftOutputStem(fileStem(o.input), o.modelTag, o.input)}.jsonl`);
}

/**
 * Rollout file → SFT rows (§11.1): one row per trajectory, in file order, the user message being the prompt
 * the rollout sent, the assistant turn the {@link assistantTurn} of the trajectory. Bad lines are collected
 * in the summary (the CLI fails on them unless told otherwise). The output is written atomically; the same
 * input gives the same bytes.
 */
export async function convertToSwift(options: ConvertOptions): Promise<ConvertSummary> {
  const o = resolveConvertOptions(options);
  const model = await resolveRowModel(o);
  const outputPath = convertOutputPath({ ...o, modelTag: model.tag });
  let skippedEmpty = 0;
  const counts = await writeRolloutRows(o, model, outputPath, (line, ctx) =>
    line.value.trajectories.flatMap((t) => {
      if (o.skipEmpty && pyStrip(t.text) === "") {
        skippedEmpty++;
        return [];
      }
      return [buildSwiftRow(line.value, t, assistantTurn(t), ctx)];
    }),
  );
  return { outputPath, records: counts.records, rows: counts.rows, skippedEmpty, badLines: counts.badLines };
}

/**
 * The assistant turn of a converted row. Without separate reasoning it is the text unchanged. With it (a
 * server with a reasoning parser split the thinking off into `reasoning_content`), the two are joined back as
 * `<think>{reasoning}</think>{text}`, both unchanged. That is the model's output in the form thinking models
 * are trained on and their chat templates render, the form `clean` and the thinking extractor read, and the
 * form of the rows from a server without a parser; the bare text would teach the model to answer without
 * thinking. Nothing is stripped or added (no newline after `</think>`: the text keeps the model's own), as
 * convert copies outputs and `clean` is where they get reformatted.
 */
export function assistantTurn(t: { text: string; reasoning_content?: string }): string {
  return t.reasoning_content === undefined ? t.text : `<think>${t.reasoning_content}</think>${t.text}`;
}
