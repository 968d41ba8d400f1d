import type { ChatMessage } from "../prompt/chat-template.js";
import type { PromptKind } from "../prompt/messages.js";

/** The fields every synthesised sample record has (plain and KeyChain), with their meaning. */
export interface SampleRecordBase {
  /** Position in the question window (gaps mark skipped questions). */
  index: number;
  /** Position in the filtered, possibly shuffled question list. */
  source_index: number;
  /** Source id of the question. */
  id: string;
  /** `plain` or `keychain`: how the prompt was built (the one field readers tell records apart by). */
  kind: PromptKind;
  /** The question. */
  input: string;
  /** The rendered documents, without the instruction and without KeyChain pairs. */
  context: string;
  answers: string[];
  answer_aliases: string[];
  /** Prompt tokens + G (the original's meaning). */
  length: number;
  /** Tokens of everything the model reads: `prompt` through the chat template, with the generation prompt. */
  prompt_length: number;
  /** L. */
  target_length: number;
  num_docs: number;
  /** 1-based passage numbers of the gold documents. */
  gold_positions: number[];
  dataset: string;
  seed: number;
  placement: string;
  /** The chat template `prompt_length` was counted with: `none`, a preset name, `tokenizer` or `file:PATH`. */
  chat_template: string;
  /** First 16 hex of the SHA-256 of its Jinja source (empty for `none`). */
  chat_template_hash: string;
  /** The chat messages the model reads, exactly: what export, rollout and SFT use. */
  prompt: ChatMessage[];
}
