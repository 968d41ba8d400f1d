import type { ColumnSource, SchemaElement } from "hyparquet-writer";
import type { ChatMessage } from "../prompt/chat-template.js";
import type { ExportKind, ExportRecord } from "./records.js";

/** The split a row is written to; also `extra_info.split`. */
export type SplitName = "train" | "test" | "valid";

export type { ChatMessage };

/** One row of a verl RL parquet file (see {@link VERL_SCHEMA}). */
export interface VerlRow {
  data_source: string;
  prompt: ChatMessage[];
  ability: string;
  reward_model: { style: string; ground_truth: string[] };
  extra_info: { split: SplitName; index: number; input_question: string };
  id: string;
  source_index: number | null;
  length: number | null;
  prompt_length: number | null;
  dataset: string | null;
}

/** How records become rows (resolved; every default filled in). */
export interface RowOptions {
  /** `custom_longcontext_needle_qa_<stem>` (KeyChain) or `custom_longcontextqa_<stem>` (plain). */
  dataSource: string;
  /** Append `answer_aliases` that are not already answers to `ground_truth`. */
  withAliases: boolean;
}

/** `ability` of every row, as in the LoongRL preprocessors. */
export const VERL_ABILITY = "longcontext_qa";

/** The `data_source` the LoongRL reward dispatch expects for a file of this kind, named after its stem. */
export function dataSourceName(kind: ExportKind, stem: string): string {
  return kind === "keychain" ? `custom_longcontext_needle_qa_${stem}` : `custom_longcontextqa_${stem}`;
}

/** `reward_model.ground_truth`: the answers, plus (with `withAliases`) each alias not already listed. */
export function groundTruth(record: ExportRecord, withAliases: boolean): string[] {
  const out = [...record.answers];
  if (!withAliases) return out;
  const seen = new Set(out);
  for (const a of record.aliases) {
    if (seen.has(a)) continue;
    seen.add(a);
    out.push(a);
  }
  return out;
}

/** The verl row of a record written as row `index` (0-based) of `split`: its prompt is the stored one. */
export function toVerlRow(
  record: ExportRecord,
  split: SplitName,
  index: number,
  options: RowOptions,
): VerlRow {
  return {
    data_source: options.dataSource,
    prompt: record.prompt,
    ability: VERL_ABILITY,
    reward_model: { style: "rule", ground_truth: groundTruth(record, options.withAliases) },
    extra_info: { split, index, input_question: record.input },
    id: record.id,
    source_index: record.sourceIndex ?? null,
    length: record.length ?? null,
    prompt_length: record.promptLength ?? null,
    dataset: record.dataset ?? null,
  };
}

const str = (name: string): SchemaElement => ({
  name,
  repetition_type: "OPTIONAL",
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
});
const int64 = (name: string): SchemaElement => ({ name, repetition_type: "OPTIONAL", type: "INT64" });
const list = (name: string): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", num_children: 1, converted_type: "LIST" },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
];
const group = (name: string, children: number): SchemaElement => ({
  name,
  repetition_type: "OPTIONAL",
  num_children: children,
});

/**
 * The parquet schema of a verl RL file, in column order. Every field is OPTIONAL as pyarrow writes it from
 * pandas / HF datasets (so the files concatenate with the original's), lists use the standard three-level
 * `LIST` layout (`<name>.list.element`), integers are INT64 (pandas `int64`):
 *
 * ```text
 * data_source    string                         custom_longcontext_needle_qa_<stem> | custom_longcontextqa_<stem>
 * prompt         list<struct<role: string,      the record's stored prompt: [system,] user
 *                            content: string>>
 * ability        string                         "longcontext_qa"
 * reward_model   struct<style: string,          style "rule"; ground_truth = answers (+ aliases)
 *                       ground_truth: list<string>>
 * extra_info     struct<split: string,          "train" | "test" | "valid"
 *                       index: int64,           0-based row index within this file
 *                       input_question: string> the record's `input`
 * id             string                         question id (splits are disjoint by it)
 * source_index   int64 (null when absent)       provenance from the input record
 * length         int64 (null when absent)       prompt tokens + G, as the record counted them
 * prompt_length  int64 (null when absent)       tokens of `prompt` through the chat template
 * dataset        string (null when absent)
 * ```
 */
export const VERL_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 10 },
  str("data_source"),
  ...list("prompt"),
  group("element", 2),
  str("role"),
  str("content"),
  str("ability"),
  group("reward_model", 2),
  str("style"),
  ...list("ground_truth"),
  str("element"),
  group("extra_info", 3),
  str("split"),
  int64("index"),
  str("input_question"),
  str("id"),
  int64("source_index"),
  int64("length"),
  int64("prompt_length"),
  str("dataset"),
];

/** Top-level column names, in schema order. */
export const VERL_COLUMNS = [
  "data_source",
  "prompt",
  "ability",
  "reward_model",
  "extra_info",
  "id",
  "source_index",
  "length",
  "prompt_length",
  "dataset",
] as const satisfies readonly (keyof VerlRow)[];

/** Rows transposed into hyparquet-writer's column data (integers as bigint, as INT64 columns need). */
export function toColumnData(rows: readonly VerlRow[]): ColumnSource[] {
  const big = (x: number | null) => (x === null ? null : BigInt(x));
  const encode = (name: (typeof VERL_COLUMNS)[number], r: VerlRow): unknown => {
    switch (name) {
      case "extra_info":
        return { ...r.extra_info, index: BigInt(r.extra_info.index) };
      case "source_index":
      case "length":
      case "prompt_length":
        return big(r[name]);
      default:
        return r[name];
    }
  };
  return VERL_COLUMNS.map((name) => ({ name, data: rows.map((r) => encode(name, r)) }));
}
