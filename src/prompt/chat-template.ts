/**
 * Chat templates: how a trainer (verl's RLHFDataset, vLLM, ms-swift) turns a record's chat messages into the
 * text it tokenises. Templates are Hugging Face Jinja, rendered with `@huggingface/jinja` with the generation
 * prompt, as `tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)` does.
 * The budget of every record is counted on that text.
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Template } from "@huggingface/jinja";
import { ConfigError } from "../errors.js";
import type { TokenizerChatTemplate } from "../tokenizer/chat-config.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "./templates.js";

/** One chat message of a prompt. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A resolved chat template. */
export interface ChatTemplate {
  /**
   * How records name it (`chat_template`): `none`, a preset name (`qwen_orz_boxed`), `tokenizer` (the
   * tokenizer's own template) or `file:<path as given>`.
   */
  readonly name: string;
  /** First 16 hex digits of the SHA-256 of the Jinja source; empty for `none`. Records keep it to tell
   * templates apart (`chat_template_hash`). */
  readonly hash: string;
  /** The text the trainer tokenises: the messages through the template, with the generation prompt. */
  render(messages: readonly ChatMessage[]): string;
}

/** A `--chat-template` value before the tokenizer is known. */
export type ChatTemplateSpec =
  | { kind: "auto" }
  | { kind: "none" }
  | { kind: "preset"; name: ChatTemplatePreset }
  | { kind: "file"; path: string };

/**
 * verl's `qwen_orz_boxed` (the LoongRL training template; reference §6.4) written as a Jinja template: the
 * system message when the messages have one, else the qwen_orz_boxed system text; every other message as a
 * ChatML turn; the assistant turn opened and prefilled with `<think>`.
 */
const QWEN_ORZ_BOXED_JINJA = `{%- set default_system = ${jinjaString(QWEN_ORZ_BOXED_SYSTEM)} -%}
{%- if messages[0]['role'] == 'system' -%}
    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' -}}
{%- else -%}
    {{- '<|im_start|>system\\n' + default_system + '<|im_end|>\\n' -}}
{%- endif -%}
{%- for message in messages -%}
    {%- if message['role'] != 'system' -%}
        {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}
    {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{- '<|im_start|>assistant\\n<think>' -}}
{%- endif -%}
`;

/** Named chat templates, as Jinja sources. */
export const CHAT_TEMPLATE_PRESETS = {
  qwen_orz_boxed: QWEN_ORZ_BOXED_JINJA,
} as const;

export type ChatTemplatePreset = keyof typeof CHAT_TEMPLATE_PRESETS;

export const CHAT_TEMPLATE_FORMS =
  "auto (the tokenizer's own template; none when it has none) | none (the message text alone) | qwen_orz_boxed | FILE (a Jinja template, or a tokenizer_config.json)";

/** Parses a `--chat-template` value; anything that is not a keyword or a preset is a file path. */
export function parseChatTemplateSpec(value: string): ChatTemplateSpec {
  if (value === "auto") return { kind: "auto" };
  if (value === "none") return { kind: "none" };
  if (Object.hasOwn(CHAT_TEMPLATE_PRESETS, value))
    return { kind: "preset", name: value as ChatTemplatePreset };
  if (value === "" || value === "tokenizer")
    throw new ConfigError(`Unknown chat template ${JSON.stringify(value)}: use ${CHAT_TEMPLATE_FORMS}`);
  return { kind: "file", path: value.startsWith("file:") ? value.slice("file:".length) : value };
}

/** The `none` template: the prompt is the text of its single user message, nothing around it. */
export const NO_CHAT_TEMPLATE: ChatTemplate = {
  name: "none",
  hash: "",
  render(messages) {
    const [only, ...rest] = messages;
    if (!only || rest.length > 0 || only.role !== "user")
      throw new ConfigError(
        `Chat template "none" renders a single user message, got ${messages.map((m) => m.role).join(", ") || "no message"}; choose a chat template to use a system message`,
      );
    return only.content;
  },
};

/**
 * Resolves a spec. `auto` takes the tokenizer's own template (`tokenizer`), or `none` when it has none; a
 * file is read now (a missing file is a ConfigError naming it and the accepted forms).
 */
export async function resolveChatTemplate(
  spec: ChatTemplateSpec | string,
  tokenizer: { readonly chatTemplate?: TokenizerChatTemplate | undefined; readonly name?: string },
): Promise<ChatTemplate> {
  const s = typeof spec === "string" ? parseChatTemplateSpec(spec) : spec;
  switch (s.kind) {
    case "none":
      return NO_CHAT_TEMPLATE;
    case "auto":
      return tokenizer.chatTemplate ? tokenizerTemplate(tokenizer.chatTemplate) : NO_CHAT_TEMPLATE;
    case "preset":
      return presetTemplate(s.name);
    case "file": {
      const source = await readTemplateFile(s.path);
      return jinjaTemplate(`file:${s.path}`, source.source, source, `"${s.path}"`);
    }
  }
}

/**
 * The template a record was measured with, from its `chat_template` name and `chat_template_hash`:
 * `tokenizer` is the given tokenizer's own template. A template that now has another hash than the record
 * says (another tokenizer, an edited file) is a ConfigError naming both; `cache` keeps resolved templates
 * by name.
 */
export async function recordTemplate(
  name: string,
  hash: string | undefined,
  tokenizer: { readonly chatTemplate?: TokenizerChatTemplate | undefined; readonly name?: string },
  cache: Map<string, ChatTemplate> = new Map(),
): Promise<ChatTemplate> {
  let t = cache.get(name);
  if (!t) {
    if (name === "tokenizer" && !tokenizer.chatTemplate)
      throw new ConfigError(
        `The records were measured with the tokenizer's own chat template, but the tokenizer ${tokenizer.name ?? ""} has none; use the tokenizer the data was built with`,
      );
    t = await resolveChatTemplate(name === "tokenizer" ? "auto" : name, tokenizer);
    cache.set(name, t);
  }
  if (hash !== undefined && hash !== t.hash)
    throw new ConfigError(
      `The records were measured with chat template "${name}" of hash ${hash}, but it now resolves to a template of hash ${t.hash} (another tokenizer, or an edited file)`,
    );
  return t;
}

/** A named template. */
export function presetTemplate(name: ChatTemplatePreset): ChatTemplate {
  return jinjaTemplate(name, CHAT_TEMPLATE_PRESETS[name], {}, name);
}

/** The tokenizer's own template. */
export function tokenizerTemplate(t: TokenizerChatTemplate): ChatTemplate {
  return jinjaTemplate("tokenizer", t.source, t, `"${t.origin}"`);
}

/** A Jinja template; `where` names it in errors. Parse errors are ConfigErrors. */
function jinjaTemplate(
  name: string,
  source: string,
  tokens: Pick<TokenizerChatTemplate, "bosToken" | "eosToken">,
  where: string,
): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new ConfigError(`Cannot parse the chat template ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const context = {
    add_generation_prompt: true,
    bos_token: tokens.bosToken ?? "",
    eos_token: tokens.eosToken ?? "",
  };
  return {
    name,
    hash: sha16(source),
    render(messages) {
      try {
        return template.render({ ...context, messages: messages.map((m) => ({ ...m })) });
      } catch (error) {
        throw new ConfigError(`Cannot render the chat template ${where}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}

/** A Jinja file, or a tokenizer_config.json / JSON object with a `chat_template` string. */
async function readTemplateFile(path: string): Promise<TokenizerChatTemplate> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new ConfigError(
      `Cannot read the chat template file "${path}": ${reason} (accepted: ${CHAT_TEMPLATE_FORMS})`,
      { cause: error },
    );
  }
  if (!text.trimStart().startsWith("{")) return { source: text, origin: path };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { source: text, origin: path }; // a Jinja template that starts with "{%" or "{{"
  }
  const o = json as { chat_template?: unknown; bos_token?: unknown; eos_token?: unknown };
  if (typeof o.chat_template !== "string")
    throw new ConfigError(`The chat template file "${path}" is JSON without a "chat_template" string`);
  const t: TokenizerChatTemplate = { source: o.chat_template, origin: path };
  if (typeof o.bos_token === "string") t.bosToken = o.bos_token;
  if (typeof o.eos_token === "string") t.eosToken = o.eos_token;
  return t;
}

const SENTINELS = ["\u0000keychain-synth:user:1\u0000", "\u0000keychain-synth:user:2\u0000"] as const;

/**
 * The text a template puts before and after the user message, given the messages before it (a system message
 * or none). The budget is counted around the user message with these. Throws a ConfigError when the template
 * does not insert the message text verbatim and once (it would change what was measured).
 */
export function userFrame(
  template: ChatTemplate,
  before: readonly ChatMessage[],
): { prefix: string; suffix: string } {
  const parts = SENTINELS.map((marker) => {
    const text = template.render([...before, { role: "user", content: marker }]);
    const at = text.indexOf(marker);
    if (at < 0 || text.indexOf(marker, at + 1) >= 0)
      throw new ConfigError(
        `The chat template "${template.name}" does not print the user message exactly once; keychain-synth can only measure templates that insert the message text as it is`,
      );
    return { prefix: text.slice(0, at), suffix: text.slice(at + marker.length) };
  });
  const [a, b] = parts as [{ prefix: string; suffix: string }, { prefix: string; suffix: string }];
  if (a.prefix !== b.prefix || a.suffix !== b.suffix)
    throw new ConfigError(
      `The chat template "${template.name}" renders the text around the user message differently for different messages; keychain-synth can only measure templates that insert the message text as it is`,
    );
  return a;
}

/**
 * The stored messages through the chat template must be exactly the text that was measured; a template that
 * changes the message text (trims it, say) would make the count wrong, so it stops the run.
 */
export function assertRendered(
  template: ChatTemplate,
  prompt: readonly ChatMessage[],
  measured: string,
): void {
  if (template.render(prompt) !== measured)
    throw new ConfigError(
      `The chat template "${template.name}" changes the message text when it renders it (for instance by trimming it), so its token count cannot be built from the parts; use another --chat-template`,
    );
}

/** A Jinja single-quoted string literal of `text`. */
function jinjaString(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}

function sha16(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
