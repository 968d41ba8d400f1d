import { FieldReader } from "../corpus/fields.js";
import { InputError, type Place } from "../errors.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";

/** Which kind of JSONL a file holds: plain long-context QA records or KeyChain records. */
export type ExportKind = "plain" | "keychain";

/**
 * The fields of one input record that the export uses, checked. Plain records are
 * {@link import("../plain/synthesize.js").PlainRecord}, KeyChain records
 * {@link import("../keychain/record.js").KeychainRecord}; only the fields below are read.
 */
export interface ExportRecord {
  kind: ExportKind;
  id: string;
  /** The question (`input`). */
  input: string;
  answers: string[];
  /** `answer_aliases`, empty when absent. */
  aliases: string[];
  /** Plain: `context`. KeyChain: `distractor_context`. */
  context: string;
  /** KeyChain only: `chain_head_with_question`, the bare head key. */
  chainHead?: string;
  /** KeyChain only: `prompt_variant`, when the record has it. */
  promptVariant?: KeychainPromptVariant;
  sourceIndex?: number;
  length?: number;
  promptLength?: number;
  dataset?: string;
}

const VARIANTS: readonly string[] = ["default", "find-first"] satisfies KeychainPromptVariant[];

/** The kind of a parsed JSONL record: KeyChain when it has `distractor_context` and `chain_head_with_question`. */
export function detectKind(record: Record<string, unknown>): ExportKind {
  return "distractor_context" in record && "chain_head_with_question" in record ? "keychain" : "plain";
}

/**
 * Parse one JSONL line into an {@link ExportRecord} of the given kind. Throws an {@link InputError} naming the
 * file, line, id and field on malformed JSON, a wrongly typed field, or a record of the other kind.
 */
export function parseExportLine(text: string, kind: ExportKind | undefined, place: Place): ExportRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, place, { cause: e });
  }
  let f = new FieldReader(place);
  const o = f.object(value);
  const own = detectKind(o);
  const id = f.string(o.id, "id");
  if (id === "") throw f.error("id", "expected a non-empty string");
  f = f.withId(id);
  if (kind !== undefined && own !== kind) {
    throw own === "plain"
      ? f.error(
          "distractor_context",
          "expected a KeyChain record like the first record (with distractor_context and chain_head_with_question), got a plain record",
        )
      : f.error(undefined, "expected a plain record like the first record, got a KeyChain record");
  }
  const answers = f.strings(o.answers, "answers");
  if (answers.length === 0) throw f.error("answers", "expected at least one answer, got an empty array");
  const record: ExportRecord = {
    kind: own,
    id,
    input: f.string(o.input, "input"),
    answers,
    aliases: o.answer_aliases === undefined ? [] : f.strings(o.answer_aliases, "answer_aliases"),
    context:
      own === "keychain"
        ? f.string(o.distractor_context, "distractor_context")
        : f.string(o.context, "context"),
  };
  if (own === "keychain") {
    record.chainHead = f.string(o.chain_head_with_question, "chain_head_with_question");
    const variant = f.optionalString(o.prompt_variant, "prompt_variant");
    if (variant !== undefined) {
      if (!VARIANTS.includes(variant))
        throw f.error("prompt_variant", `expected "default" or "find-first", got ${JSON.stringify(variant)}`);
      record.promptVariant = variant as KeychainPromptVariant;
    }
  }
  if (o.source_index !== undefined) record.sourceIndex = f.index(o.source_index, "source_index");
  if (o.length !== undefined) record.length = f.index(o.length, "length");
  if (o.prompt_length !== undefined) record.promptLength = f.index(o.prompt_length, "prompt_length");
  const dataset = f.optionalString(o.dataset, "dataset");
  if (dataset !== undefined) record.dataset = dataset;
  return record;
}
