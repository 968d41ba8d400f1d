/**
 * The one renderer: what a record's prompt is. At synthesis each record stores `kind` and `prompt`, the chat
 * messages the model reads (an optional system message, then the user message with the instruction, the
 * context and the question or start key). Export, rollout, api-test, SFT and reports use the stored messages;
 * only records written before prompts were stored are rendered again, by {@link legacyPrompt}.
 */

import { readFile } from "node:fs/promises";
import { FieldReader } from "../corpus/fields.js";
import { ConfigError, type Place } from "../errors.js";
import type { ChatMessage } from "./chat-template.js";
import {
  type KeychainPromptVariant,
  keychainUserParts,
  PLAIN_USER_TEMPLATE,
  QWEN_ORZ_BOXED_SYSTEM,
} from "./templates.js";
import { parseTemplate, type Template } from "./user-template.js";

/** A plain long-context QA record, or a KeyChain instance. */
export type PromptKind = "plain" | "keychain";
export const PROMPT_KINDS: readonly PromptKind[] = ["plain", "keychain"];
export const PROMPT_VARIANTS: readonly KeychainPromptVariant[] = ["default", "find-first"];

/** The user message of plain records unless `--template` says otherwise (LoongRL's plain RL wording). */
export const PLAIN_TEMPLATE: Template = parseTemplate(PLAIN_USER_TEMPLATE);

/** What a user message is built from, besides its context. */
export type UserMessageSpec =
  | { kind: "plain"; template: Template; question: string }
  | { kind: "keychain"; variant: KeychainPromptVariant; chainHead: string };

/** The user message text before and after the context. */
export function userParts(spec: UserMessageSpec): { prefix: string; suffix: string } {
  return spec.kind === "keychain"
    ? keychainUserParts(spec.variant, spec.chainHead)
    : { prefix: spec.template.prefix(spec.question), suffix: spec.template.suffix(spec.question) };
}

/** The user message around a context. */
export function renderUserMessage(spec: UserMessageSpec, context: string): string {
  const { prefix, suffix } = userParts(spec);
  return prefix + context + suffix;
}

/** The messages of a prompt: the system message when there is one, then the user message. */
export function promptMessages(system: string | undefined, user: string): ChatMessage[] {
  return system === undefined
    ? [{ role: "user", content: user }]
    : [
        { role: "system", content: system },
        { role: "user", content: user },
      ];
}

/** Named system prompts (`--system-prompt`). */
export const SYSTEM_PROMPT_TEXTS: Readonly<Record<SystemPrompt, string | undefined>> = {
  none: undefined,
  qwen_orz_boxed: QWEN_ORZ_BOXED_SYSTEM,
};

/** A named system prompt: none, or the text of verl's `qwen_orz_boxed` template. */
export type SystemPrompt = "none" | "qwen_orz_boxed";

export const SYSTEM_PROMPT_FORMS = "none | qwen_orz_boxed | @FILE (the text of a file)";

/**
 * A `--system-prompt` value as the text of the system message (`undefined` = no system message): a name of
 * {@link SYSTEM_PROMPT_TEXTS}, or `@FILE` (its text; one final newline is dropped).
 */
export async function resolveSystemPrompt(value: string): Promise<string | undefined> {
  if (Object.hasOwn(SYSTEM_PROMPT_TEXTS, value)) return SYSTEM_PROMPT_TEXTS[value as SystemPrompt];
  if (value.startsWith("@") && value.length > 1) {
    const path = value.slice(1);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError(`Cannot read the system prompt file "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    if (body.trim() === "") throw new ConfigError(`The system prompt file "${path}" is empty`);
    return body;
  }
  throw new ConfigError(`Unknown system prompt ${JSON.stringify(value)}: use ${SYSTEM_PROMPT_FORMS}`);
}

/** A record's prompt as read from a JSONL line. */
export interface StoredPrompt {
  kind: PromptKind;
  messages: ChatMessage[];
  /**
   * True when the record has no `prompt` field (written before prompts were stored): the messages were
   * rendered from its fields by {@link legacyPrompt}, and its `prompt_length` was not counted on them.
   */
  rendered: boolean;
}

/**
 * The kind of a record: its `kind` field; for records written before it existed, KeyChain when the record has
 * `distractor_context` and `chain_head_with_question`, else plain. The one rule every reader uses.
 */
export function recordKind(record: Record<string, unknown>, place: Place = {}): PromptKind {
  const kind = record.kind;
  if (kind === undefined)
    return "distractor_context" in record && "chain_head_with_question" in record ? "keychain" : "plain";
  if (kind === "plain" || kind === "keychain") return kind;
  throw new FieldReader(place).error("kind", `expected "plain" or "keychain", got ${JSON.stringify(kind)}`);
}

/**
 * The stored prompt of a parsed record, checked (roles system/user/assistant, a system message only first, a
 * user message last, string contents); records without one get {@link legacyPrompt}. Throws an InputError
 * naming the place and field.
 */
export function readStoredPrompt(record: Record<string, unknown>, place: Place = {}): StoredPrompt {
  const f = new FieldReader(place);
  const kind = recordKind(record, place);
  if (record.prompt === undefined) return { kind, messages: legacyPrompt(record, kind, f), rendered: true };
  const messages = readMessages(record.prompt, "prompt", f);
  return { kind, messages, rendered: false };
}

/**
 * Chat messages at `field`, checked: roles system/user/assistant, a system message only first, a user message
 * last, string contents. Throws an InputError naming the field.
 */
export function readMessages(value: unknown, field: string, f: FieldReader): ChatMessage[] {
  const list = f.array(value, field);
  if (list.length === 0) throw f.error(field, "expected at least one message, got an empty array");
  const messages = list.map((m, i): ChatMessage => {
    const at = `${field}[${i}]`;
    const o = f.object(m, at);
    const role = f.string(o.role, `${at}.role`);
    if (role !== "system" && role !== "user" && role !== "assistant")
      throw f.error(`${at}.role`, `expected "system", "user" or "assistant", got ${JSON.stringify(role)}`);
    if (role === "system" && i > 0) throw f.error(`${at}.role`, "a system message may only come first");
    return { role, content: f.string(o.content, `${at}.content`) };
  });
  if (messages.at(-1)?.role !== "user")
    throw f.error(
      `${field}[${messages.length - 1}].role`,
      "expected the last message to be the user message",
    );
  return messages;
}

/**
 * The prompt of a record written before prompts were stored, rendered as the exporter of that time did: the
 * KeyChain user message (`prompt_variant`, `default` when absent) around `distractor_context`, or the plain
 * user message around `context` and `input`; no system message.
 */
export function legacyPrompt(
  record: Record<string, unknown>,
  kind: PromptKind,
  f: FieldReader = new FieldReader({}),
): ChatMessage[] {
  if (kind === "keychain") {
    const variant = f.optionalString(record.prompt_variant, "prompt_variant") ?? "default";
    if (!(PROMPT_VARIANTS as readonly string[]).includes(variant))
      throw f.error("prompt_variant", `expected "default" or "find-first", got ${JSON.stringify(variant)}`);
    const spec: UserMessageSpec = {
      kind,
      variant: variant as KeychainPromptVariant,
      chainHead: f.string(record.chain_head_with_question, "chain_head_with_question"),
    };
    return promptMessages(
      undefined,
      renderUserMessage(spec, f.string(record.distractor_context, "distractor_context")),
    );
  }
  const spec: UserMessageSpec = {
    kind,
    template: PLAIN_TEMPLATE,
    question: f.string(record.input, "input"),
  };
  return promptMessages(undefined, renderUserMessage(spec, f.string(record.context, "context")));
}

/** The system message text of a prompt, or undefined. */
export function systemOf(messages: readonly ChatMessage[]): string | undefined {
  return messages[0]?.role === "system" ? messages[0].content : undefined;
}

/** The last user message text of a prompt. */
export function userOf(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]?.role === "user") return messages[i]?.content ?? "";
  return "";
}

/** Whether two prompts are the same messages, byte for byte. */
export function samePrompt(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  return a.length === b.length && a.every((m, i) => m.role === b[i]?.role && m.content === b[i]?.content);
}
