import { describe, expect, it } from "vitest";
import type { ExportRecord } from "../../src/export/records.js";
import { promptMessages, type RowOptions } from "../../src/export/verl-row.js";
import {
  QWEN_ORZ_BOXED_SYSTEM,
  renderChat,
  renderKeychainUser,
  renderPlainUser,
} from "../../src/prompt/templates.js";

// The wire formats models were trained on (§6.1, §6.2, §6.4 of the original's behaviour). Each snapshot is the
// JSON string of the rendered text, so every "\n" and every backslash is visible and counted.

const HEAD = "126748ae-a825-4120-abac-ee88f770dd54";
const KC_CONTEXT =
  'Passage 1:\nEd Wood\nEdward Davis Wood Jr. was an American filmmaker. {"126748ae-a825-4120-abac-ee88f770dd54": "Which film came first?"}';
const PLAIN_CONTEXT = "Passage 1:\nEd Wood\nEdward Davis Wood Jr. was an American filmmaker.";

const keychainRecord: ExportRecord = {
  kind: "keychain",
  id: "q1",
  input: "Which film came first?",
  answers: ["Wedding Bills"],
  aliases: [],
  context: KC_CONTEXT,
  chainHead: HEAD,
};
const options: RowOptions = { dataSource: "x", systemPrompt: "none", withAliases: false };

describe("KeyChain user prompt", () => {
  it("default variant: the head key inserted bare at the end", () => {
    const text = renderKeychainUser("default", KC_CONTEXT, HEAD);
    expect(JSON.stringify(text)).toMatchInlineSnapshot(
      `""Please read the following text.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker. {\\"126748ae-a825-4120-abac-ee88f770dd54\\": \\"Which film came first?\\"}\\n\\nIn the context above, there is one correct question to answer. The correct question can only be found by following the correct consecutive chain of key:value pairs encoded with UUID strings (e.g., f81d4fae-7dec-11d0-a765-00a0c91e6bf6), starting from 126748ae-a825-4120-abac-ee88f770dd54.""`,
    );
    expect(text.endsWith(`starting from ${HEAD}.`)).toBe(true);
    expect(text).not.toContain(`"${HEAD}".`);
    expect(promptMessages(keychainRecord, options)).toEqual([{ role: "user", content: text }]);
  });

  it("find-first variant: one more line after the head key", () => {
    const text = renderKeychainUser("find-first", KC_CONTEXT, HEAD);
    expect(JSON.stringify(text)).toMatchInlineSnapshot(
      `""Please read the following text.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker. {\\"126748ae-a825-4120-abac-ee88f770dd54\\": \\"Which film came first?\\"}\\n\\nIn the context above, there is one correct question to answer. The correct question can only be found by following the correct consecutive chain of key:value pairs encoded with UUID strings (e.g., f81d4fae-7dec-11d0-a765-00a0c91e6bf6), starting from 126748ae-a825-4120-abac-ee88f770dd54.\\nFind the correct question first, then answer it.""`,
    );
    expect(text.endsWith(`starting from ${HEAD}.\nFind the correct question first, then answer it.`)).toBe(
      true,
    );
    expect(promptMessages({ ...keychainRecord, promptVariant: "find-first" }, options)[0]?.content).toBe(
      text,
    );
    expect(promptMessages(keychainRecord, { ...options, promptVariant: "find-first" })[0]?.content).toBe(
      text,
    );
  });

  it("keeps $-patterns and placeholders inside the context literally", () => {
    const context = "a $& b $1 c {chain_head} d {context}";
    const text = renderKeychainUser("default", context, HEAD);
    expect(text).toContain(`\n${context}\n\n`);
    expect(text.endsWith(`starting from ${HEAD}.`)).toBe(true);
  });
});

describe("plain user prompt", () => {
  it("passages, a blank line, then the question", () => {
    const text = renderPlainUser(PLAIN_CONTEXT, "Were Scott Derrickson and Ed Wood of the same nationality?");
    expect(JSON.stringify(text)).toMatchInlineSnapshot(
      `""The following are given passages.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker.\\n\\nQuestion: Were Scott Derrickson and Ed Wood of the same nationality?""`,
    );
    const record: ExportRecord = {
      ...keychainRecord,
      kind: "plain",
      context: PLAIN_CONTEXT,
      input: "Q $& {input}?",
    };
    expect(promptMessages(record, options)[0]?.content).toBe(
      `The following are given passages.\n${PLAIN_CONTEXT}\n\nQuestion: Q $& {input}?`,
    );
  });
});

describe("qwen_orz_boxed", () => {
  it("renders the chat as the trainer sees it, with single backslashes in \\boxed{}", () => {
    const text = renderChat("qwen_orz_boxed", "USER");
    expect(JSON.stringify(text)).toMatchInlineSnapshot(
      `""<|im_start|>system\\nA conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within \\\\boxed{} tags, respectively, i.e., <think> reasoning process here </think> \\\\boxed{answer here}.<|im_end|>\\n<|im_start|>user\\nUSER<|im_end|>\\n<|im_start|>assistant\\n<think>""`,
    );
    // One backslash character before each "boxed" (JSON shows it as two).
    expect(text.match(/\\boxed\{/g)).toHaveLength(2);
    expect(text).not.toContain("\\\\boxed");
    expect([...text].filter((c) => c === "\\")).toHaveLength(2);
  });

  it("is the system message of an export with --system-prompt qwen_orz_boxed", () => {
    const messages = promptMessages(keychainRecord, { ...options, systemPrompt: "qwen_orz_boxed" });
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(messages[0]?.content).toBe(QWEN_ORZ_BOXED_SYSTEM);
    expect(JSON.stringify(QWEN_ORZ_BOXED_SYSTEM)).toMatchInlineSnapshot(
      `""A conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within \\\\boxed{} tags, respectively, i.e., <think> reasoning process here </think> \\\\boxed{answer here}.""`,
    );
  });
});
