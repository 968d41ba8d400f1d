/**
 * Prompt strings models were trained on (LoongRL preprocessors and verl chat templates). These are wire
 * formats: byte-for-byte as in the original, tested with inline snapshots. Do not reword.
 */

/** KeyChain user message (LRL `longcontextqa_needle_like_dataset_system.py`); the head key is inserted bare. */
export const KEYCHAIN_USER_TEMPLATE =
  "Please read the following text.\n{context}\n\nIn the context above, there is one correct question to answer. The correct question can only be found by following the correct consecutive chain of key:value pairs encoded with UUID strings (e.g., f81d4fae-7dec-11d0-a765-00a0c91e6bf6), starting from {chain_head}.";

/** The `_1line` variant (the paper figure's wording): adds a last line. */
export const KEYCHAIN_USER_TEMPLATE_FIND_FIRST = `${KEYCHAIN_USER_TEMPLATE}\nFind the correct question first, then answer it.`;

/** Plain long-context QA user message (LRL `longcontextqa_like_dataset_system.py`; also the rollout prompt). */
export const PLAIN_USER_TEMPLATE = "The following are given passages.\n{context}\n\nQuestion: {input}";

/** System text of verl's `qwen_orz_boxed` chat template, as rendered (single backslashes). */
export const QWEN_ORZ_BOXED_SYSTEM =
  "A conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within \\boxed{} tags, respectively, i.e., <think> reasoning process here </think> \\boxed{answer here}.";

export type KeychainPromptVariant = "default" | "find-first";
export type ChatTemplateName = "none" | "qwen_orz_boxed";

/** The KeyChain user message around a context; split so the budget can be counted around the context. */
export function keychainUserParts(
  variant: KeychainPromptVariant,
  chainHead: string,
): { prefix: string; suffix: string } {
  const t = variant === "find-first" ? KEYCHAIN_USER_TEMPLATE_FIND_FIRST : KEYCHAIN_USER_TEMPLATE;
  const at = t.indexOf("{context}");
  return {
    prefix: t.slice(0, at),
    suffix: t.slice(at + "{context}".length).replace("{chain_head}", () => chainHead),
  };
}

export function renderKeychainUser(
  variant: KeychainPromptVariant,
  context: string,
  chainHead: string,
): string {
  const { prefix, suffix } = keychainUserParts(variant, chainHead);
  return prefix + context + suffix;
}

export function renderPlainUser(context: string, question: string): string {
  return PLAIN_USER_TEMPLATE.replace("{context}", () => context).replace("{input}", () => question);
}

/**
 * A user message rendered through a chat template as the trainer sees it. `qwen_orz_boxed` (no system turn in
 * the messages): system text, user turn, and the assistant turn prefilled with `<think>`.
 */
export function renderChat(template: ChatTemplateName, user: string): string {
  if (template === "none") return user;
  return `<|im_start|>system\n${QWEN_ORZ_BOXED_SYSTEM}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n<think>`;
}

/** Text before and after the user message in a chat template. */
export function chatParts(template: ChatTemplateName): { prefix: string; suffix: string } {
  const marker = "\u0000USER\u0000";
  const r = renderChat(template, marker);
  const at = r.indexOf(marker);
  return { prefix: r.slice(0, at), suffix: r.slice(at + marker.length) };
}
