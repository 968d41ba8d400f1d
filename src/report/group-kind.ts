import type { FieldReader } from "../corpus/fields.js";
import { KEYCHAIN_USER_TEMPLATE } from "../prompt/templates.js";
import { ARRAY, OBJECT, STRING } from "./field-checks.js";

/**
 * The task a group's records pose: `plain` long-context QA or `keychain` (find the question by following the
 * chain first). Rollouts and SFT rows take the kind of the prompt they were made from.
 */
export type GroupKind = "plain" | "keychain";

/** The kinds in sort order (plain first). */
export const GROUP_KINDS: readonly GroupKind[] = ["plain", "keychain"];

/** How a KeyChain user message starts (the template's first line); plain prompts start otherwise. */
export const KEYCHAIN_PROMPT_START = KEYCHAIN_USER_TEMPLATE.slice(0, KEYCHAIN_USER_TEMPLATE.indexOf("\n"));

/**
 * An SFT row's kind (the row carries no `kind` field): `keychain` when its first user message starts with the
 * KeyChain prompt.
 */
export function sftRowKind(r: Record<string, unknown>, f: FieldReader): GroupKind {
  const messages = f.expect(r.messages, "messages", ARRAY);
  for (const [i, m] of messages.entries()) {
    const message = f.expect(m, `messages[${i}]`, OBJECT);
    if (f.expect(message.role, `messages[${i}].role`, STRING) === "user")
      return f.expect(message.content, `messages[${i}].content`, STRING).startsWith(KEYCHAIN_PROMPT_START)
        ? "keychain"
        : "plain";
  }
  throw f.error("messages", 'expected a message with role "user", found none');
}
