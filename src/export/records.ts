import { FieldReader } from "../corpus/fields.js";
import { InputError, type Place } from "../errors.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import { PROMPT_VARIANTS, type PromptKind, readStoredPrompt } from "../prompt/messages.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";

/** Which kind of JSONL a file holds: plain long-context QA records or KeyChain records. */
export type ExportKind = PromptKind;

/**
 * The fields of one synthesised record that the stages after synthesis use (export, rollout, SFT), checked.
 * Plain records are {@link import("../plain/synthesize.js").PlainRecord}, KeyChain records
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
  /** The chat messages the model reads: the stored `prompt`. */
  prompt: ChatMessage[];
  /** True when the record has no stored `prompt` (written before prompts were stored): `prompt` was rendered
   * from its fields by the same renderer, and `prompt_length` was not counted on it. */
  promptRendered: boolean;
  /** `chat_template` / `chat_template_hash`: what `prompt_length` was counted through. */
  chatTemplate?: string;
  chatTemplateHash?: string;
  sourceIndex?: number;
  length?: number;
  promptLength?: number;
  targetLength?: number;
  dataset?: string;
}

/** The kind of a parsed JSONL record (see {@link import("../prompt/messages.js").recordKind}). */
export { recordKind as detectKind } from "../prompt/messages.js";

/**
 * Parse one JSONL line into an {@link ExportRecord}; with `kind`, the record must be of that kind (a file
 * holds one kind). Throws an {@link InputError} naming the file, line, id and field on malformed JSON, a
 * wrongly typed field, or a record of the other kind.
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
  const id = f.string(o.id, "id");
  if (id === "") throw f.error("id", "expected a non-empty string");
  f = f.withId(id);
  const stored = readStoredPrompt(o, f.place);
  const own = stored.kind;
  if (kind !== undefined && own !== kind) {
    throw own === "plain"
      ? f.error("kind", "expected a KeyChain record like the first record, got a plain record")
      : f.error("kind", "expected a plain record like the first record, got a KeyChain record");
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
    prompt: stored.messages,
    promptRendered: stored.rendered,
  };
  if (own === "keychain") {
    record.chainHead = f.string(o.chain_head_with_question, "chain_head_with_question");
    const variant = f.optionalString(o.prompt_variant, "prompt_variant");
    if (variant !== undefined) {
      if (!(PROMPT_VARIANTS as readonly string[]).includes(variant))
        throw f.error("prompt_variant", `expected "default" or "find-first", got ${JSON.stringify(variant)}`);
      record.promptVariant = variant as KeychainPromptVariant;
    }
  }
  const template = f.optionalString(o.chat_template, "chat_template");
  if (template !== undefined) record.chatTemplate = template;
  const hash = f.optionalString(o.chat_template_hash, "chat_template_hash");
  if (hash !== undefined) record.chatTemplateHash = hash;
  if (o.source_index !== undefined) record.sourceIndex = f.index(o.source_index, "source_index");
  if (o.length !== undefined) record.length = f.index(o.length, "length");
  if (o.prompt_length !== undefined) record.promptLength = f.index(o.prompt_length, "prompt_length");
  if (o.target_length !== undefined) record.targetLength = f.index(o.target_length, "target_length");
  const dataset = f.optionalString(o.dataset, "dataset");
  if (dataset !== undefined) record.dataset = dataset;
  return record;
}

/** The prompt token budget a record was built for (L − G), when it says: `target_length − (length − prompt_length)`. */
export function recordBudget(
  r: Pick<ExportRecord, "targetLength" | "length" | "promptLength">,
): number | undefined {
  if (r.targetLength === undefined || r.length === undefined || r.promptLength === undefined)
    return undefined;
  return r.targetLength - (r.length - r.promptLength);
}
