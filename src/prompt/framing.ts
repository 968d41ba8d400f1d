/**
 * The system message and the chat template of a synthesis run, from what the user writes to what the
 * synthesisers use.
 */

import { ConfigError } from "../errors.js";
import type { TokenizerChatTemplate } from "../tokenizer/chat-config.js";
import { type ChatTemplate, resolveChatTemplate } from "./chat-template.js";
import { resolveSystemPrompt } from "./messages.js";

/** What the user writes. */
export interface FramingOptions {
  /** `none`, a named system prompt or `@FILE`. @default "none" */
  systemPrompt?: string;
  /** `auto` (the tokenizer's own), `none`, a preset name or a Jinja file. @default "auto" */
  chatTemplate?: string;
}

export const FRAMING_DEFAULTS = { systemPrompt: "none", chatTemplate: "auto" } as const;

/** Resolved: the system message text (undefined = none) and the template the budget is counted through. */
export interface Framing {
  system: string | undefined;
  chatTemplate: ChatTemplate;
}

/**
 * Resolves the framing against the tokenizer (for `auto`). A system message with no chat template to render
 * it is a ConfigError: the trainer would have nowhere to put it.
 */
export async function resolveFraming(
  o: FramingOptions,
  tokenizer: { readonly chatTemplate?: TokenizerChatTemplate | undefined; readonly name: string },
): Promise<Framing> {
  const systemSpec = o.systemPrompt ?? FRAMING_DEFAULTS.systemPrompt;
  const templateSpec = o.chatTemplate ?? FRAMING_DEFAULTS.chatTemplate;
  const system = await resolveSystemPrompt(systemSpec);
  const chatTemplate = await resolveChatTemplate(templateSpec, tokenizer);
  if (system !== undefined && chatTemplate.name === "none")
    throw new ConfigError(
      templateSpec === "auto"
        ? `--system-prompt ${systemSpec} needs a chat template, but the tokenizer ${tokenizer.name} has none; choose one with --chat-template`
        : `--system-prompt ${systemSpec} needs a chat template; --chat-template none renders the user message alone`,
    );
  return { system, chatTemplate };
}
