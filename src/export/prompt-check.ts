/** What an export asks of each record's prompt, the check of one record against it, and its re-measuring. */

import { InputError, type Place } from "../errors.js";
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
import { type ExportRecord, recordBudget } from "./records.js";

/** A chat template as records name it: enough to tell templates apart. */
export type TemplateRef = Pick<ChatTemplate, "name" | "hash">;

/** What the export asks of every record's prompt, resolved (undefined = keep each record's own). */
export interface PromptAsk {
  variant: KeychainPromptVariant | undefined;
  /** `null` = no system message; undefined = keep. */
  system: string | null | undefined;
  /** The template every record must have been measured with; undefined = not checked. */
  template: TemplateRef | undefined;
}

/** A record re-measured and found over its budget: not written. */
export interface DroppedRow {
  line: number;
  id: string;
  tokens: number;
  budget: number;
}

/** Resolved templates by name (see `recordTemplate`), shared by the checks and the re-measuring. */
export type TemplateCache = Map<string, ChatTemplate>;

/**
 * Resolve what the options ask: the system prompt read (`@FILE`), the chat template resolved (`auto` through
 * `tokenizer`) and kept in `templates` under its name.
 */
export async function resolvePromptAsk(
  o: { promptVariant?: KeychainPromptVariant; systemPrompt?: string; chatTemplate?: string },
  tokenizer: TokenCounter | undefined,
  templates: TemplateCache,
): Promise<PromptAsk> {
  const system =
    o.systemPrompt === undefined ? undefined : ((await resolveSystemPrompt(o.systemPrompt)) ?? null);
  let template: ChatTemplate | undefined;
  if (o.chatTemplate !== undefined) {
    template = await resolveChatTemplate(o.chatTemplate, tokenizer ?? { chatTemplate: undefined });
    templates.set(template.name, template);
  }
  return { variant: o.promptVariant, system, template };
}

/** What a record needs before it can be written. */
export interface RowNeed {
  /** The messages to write. */
  messages: ExportRecord["prompt"];
  /** Why it must be counted again, or undefined when its stored count holds. */
  remeasure: string | undefined;
}

/** The messages a record is written with, and whether (and why) they must be counted again. */
export function rowNeed(record: ExportRecord, ask: PromptAsk): RowNeed {
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
export function templateHash(record: ExportRecord): string | undefined {
  if (record.chatTemplateHash !== undefined) return record.chatTemplateHash;
  const name = record.chatTemplate ?? "none";
  if (name === "none") return NO_CHAT_TEMPLATE.hash;
  return Object.hasOwn(CHAT_TEMPLATE_PRESETS, name)
    ? presetTemplate(name as ChatTemplatePreset).hash
    : undefined;
}

/** How rows are re-measured: the counter and the resolved templates. */
export interface Remeasure {
  tokenizer: TokenCounter;
  templates: TemplateCache;
}

/** A record made ready to write: kept (possibly re-measured with new messages and counts), or dropped. */
export type PreparedRow =
  | { record: ExportRecord; remeasured: boolean; dropped?: undefined }
  | { record?: undefined; remeasured: true; dropped: DroppedRow };

/**
 * The record as it is written. One that needs re-measuring (see {@link rowNeed}) is counted again through the
 * asked template (or its own) when `remeasure` is given: over its budget it is dropped, else written with the
 * new messages, `prompt_length` and `length`. Without `remeasure` the record is kept as it is (the scan has
 * refused records that needed it).
 */
export async function prepareRow(
  record: ExportRecord,
  ask: PromptAsk,
  remeasure: Remeasure | undefined,
  place: Place & { line: number },
): Promise<PreparedRow> {
  const need = rowNeed(record, ask);
  if (need.remeasure === undefined || !remeasure) return { record, remeasured: false };
  const budget = recordBudget(record);
  if (budget === undefined)
    throw new InputError(
      "cannot re-measure a record without target_length, length and prompt_length (its budget is unknown)",
      { ...place, id: record.id },
    );
  const ref = ask.template ?? { name: record.chatTemplate ?? "none", hash: record.chatTemplateHash };
  const template = await recordTemplate(ref.name, ref.hash, remeasure.tokenizer, remeasure.templates);
  const tokens = await remeasure.tokenizer.count(template.render(need.messages));
  if (tokens > budget)
    return { remeasured: true, dropped: { line: place.line, id: record.id, tokens, budget } };
  const g = (record.length as number) - (record.promptLength as number);
  return {
    record: { ...record, prompt: need.messages, promptLength: tokens, length: tokens + g },
    remeasured: true,
  };
}
