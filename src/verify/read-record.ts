/** Reading one JSONL value as the fields of a KeyChain record that `verify` checks. */

import { FieldReader } from "../corpus/fields.js";
import type { Place } from "../errors.js";
import type { KeychainRecord } from "../keychain/record.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import { PROMPT_VARIANTS, readStoredPrompt } from "../prompt/messages.js";
import { idPattern, parseTopology } from "./ids.js";

/** The fields of a {@link KeychainRecord} that verification reads. */
export type VerifiableRecord = Pick<
  KeychainRecord,
  | "index"
  | "id"
  | "input"
  | "context"
  | "length"
  | "distract_questions"
  | "distractor_context"
  | "chain_head_with_question"
  | "chain"
  | "num_chains"
  | "hops"
  | "id_format"
  | "topology"
  | "prompt_length"
  | "target_length"
  | "num_docs"
  | "gold_positions"
  | "gold_hashes"
  | "num_pairs"
  | "prompt_variant"
  | "chat_template"
> & {
  /** The stored prompt (rendered from the fields for records written before prompts were stored). */
  prompt: ChatMessage[];
  /** Absent in records written before hashes were kept. */
  chat_template_hash?: string;
};

/**
 * Checks the types (and the enumerated values) of the fields verification reads; other fields are left
 * alone. Throws an `InputError` naming the place and the field.
 */
export function readVerifiableRecord(value: unknown, place: Place = {}): VerifiableRecord {
  let f = new FieldReader(place);
  const o = f.object(value);
  const id = f.string(o.id, "id");
  f = f.withId(id);
  const oneOf = <T extends string>(field: string, allowed: readonly T[]): T => {
    const v = f.string(o[field], field);
    if (!(allowed as readonly string[]).includes(v))
      throw f.error(field, `expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  const idFormat = f.string(o.id_format, "id_format");
  if (!idPattern(idFormat))
    throw f.error("id_format", `expected uuid, hex:N or nano:N, got ${JSON.stringify(idFormat)}`);
  const topology = f.string(o.topology, "topology");
  if (!parseTopology(topology))
    throw f.error("topology", `expected chain or tree:B (B ≥ 1), got ${JSON.stringify(topology)}`);
  const stored = readStoredPrompt(o, f.place);
  if (stored.kind !== "keychain")
    throw f.error(
      "kind",
      "expected a KeyChain record (verify checks KeyChain instances), got a plain record",
    );
  const hash = f.optionalString(o.chat_template_hash, "chat_template_hash");
  return {
    index: f.index(o.index, "index"),
    id,
    input: f.string(o.input, "input"),
    context: f.string(o.context, "context"),
    length: f.index(o.length, "length"),
    distract_questions: f.strings(o.distract_questions, "distract_questions"),
    distractor_context: f.string(o.distractor_context, "distractor_context"),
    chain_head_with_question: f.string(o.chain_head_with_question, "chain_head_with_question"),
    chain: f.strings(o.chain, "chain"),
    num_chains: f.index(o.num_chains, "num_chains"),
    hops: f.index(o.hops, "hops"),
    id_format: idFormat,
    topology,
    prompt_length: f.index(o.prompt_length, "prompt_length"),
    target_length: f.index(o.target_length, "target_length"),
    num_docs: f.index(o.num_docs, "num_docs"),
    gold_positions: f
      .array(o.gold_positions, "gold_positions")
      .map((v, i) => f.index(v, `gold_positions[${i}]`)),
    gold_hashes: f.strings(o.gold_hashes, "gold_hashes"),
    num_pairs: f.index(o.num_pairs, "num_pairs"),
    prompt_variant: oneOf("prompt_variant", PROMPT_VARIANTS),
    chat_template: f.optionalString(o.chat_template, "chat_template") ?? "none",
    prompt: stored.messages,
    ...(hash === undefined ? {} : { chat_template_hash: hash }),
  };
}
