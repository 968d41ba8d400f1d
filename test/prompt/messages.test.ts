import { describe, expect, it } from "vitest";
import {
  legacyPrompt,
  PLAIN_TEMPLATE,
  promptMessages,
  readStoredPrompt,
  recordKind,
  renderUserMessage,
  resolveSystemPrompt,
  type UserMessageSpec,
} from "../../src/prompt/messages.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "../../src/prompt/templates.js";
import { parseTemplate } from "../../src/prompt/user-template.js";

// The wire formats models were trained on (§6.1, §6.2, §6.4 of the original's behaviour). Each snapshot is the
// JSON string of the rendered messages, so every "\n" and every backslash is visible and counted.

const HEAD = "126748ae-a825-4120-abac-ee88f770dd54";
const KC_CONTEXT =
  'Passage 1:\nEd Wood\nEdward Davis Wood Jr. was an American filmmaker. {"126748ae-a825-4120-abac-ee88f770dd54": "Which film came first?"}';
const PLAIN_CONTEXT = "Passage 1:\nEd Wood\nEdward Davis Wood Jr. was an American filmmaker.";
const QUESTION = "Were Scott Derrickson and Ed Wood of the same nationality?";

const SPECS: Record<string, { spec: UserMessageSpec; context: string }> = {
  "keychain default": {
    spec: { kind: "keychain", variant: "default", chainHead: HEAD },
    context: KC_CONTEXT,
  },
  "keychain find-first": {
    spec: { kind: "keychain", variant: "find-first", chainHead: HEAD },
    context: KC_CONTEXT,
  },
  "plain (LoongRL wording)": {
    spec: { kind: "plain", template: PLAIN_TEMPLATE, question: QUESTION },
    context: PLAIN_CONTEXT,
  },
  "plain {context} only": {
    spec: { kind: "plain", template: parseTemplate("{context}"), question: QUESTION },
    context: PLAIN_CONTEXT,
  },
};

const rendered = (system: string | undefined) =>
  Object.fromEntries(
    Object.entries(SPECS).map(([name, { spec, context }]) => [
      name,
      JSON.stringify(promptMessages(system, renderUserMessage(spec, context))),
    ]),
  );

describe("the one renderer: kind × variant × system prompt", () => {
  it("without a system message", () => {
    expect(rendered(undefined)).toMatchInlineSnapshot(`
      {
        "keychain default": "[{"role":"user","content":"Please read the following text.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker. {\\"126748ae-a825-4120-abac-ee88f770dd54\\": \\"Which film came first?\\"}\\n\\nIn the context above, there is one correct question to answer. The correct question can only be found by following the correct consecutive chain of key:value pairs encoded with UUID strings (e.g., f81d4fae-7dec-11d0-a765-00a0c91e6bf6), starting from 126748ae-a825-4120-abac-ee88f770dd54."}]",
        "keychain find-first": "[{"role":"user","content":"Please read the following text.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker. {\\"126748ae-a825-4120-abac-ee88f770dd54\\": \\"Which film came first?\\"}\\n\\nIn the context above, there is one correct question to answer. The correct question can only be found by following the correct consecutive chain of key:value pairs encoded with UUID strings (e.g., f81d4fae-7dec-11d0-a765-00a0c91e6bf6), starting from 126748ae-a825-4120-abac-ee88f770dd54.\\nFind the correct question first, then answer it."}]",
        "plain (LoongRL wording)": "[{"role":"user","content":"The following are given passages.\\nPassage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker.\\n\\nQuestion: Were Scott Derrickson and Ed Wood of the same nationality?"}]",
        "plain {context} only": "[{"role":"user","content":"Passage 1:\\nEd Wood\\nEdward Davis Wood Jr. was an American filmmaker."}]",
      }
    `);
  });

  it("with the qwen_orz_boxed system message (single backslashes in \\boxed{})", () => {
    const all = rendered(QWEN_ORZ_BOXED_SYSTEM);
    for (const [name, text] of Object.entries(all)) {
      const messages = JSON.parse(text) as { role: string; content: string }[];
      expect(
        messages.map((m) => m.role),
        name,
      ).toEqual(["system", "user"]);
      expect(JSON.stringify(messages[1]), name).toBe(rendered(undefined)[name]?.slice(1, -1));
    }
    expect(JSON.stringify(QWEN_ORZ_BOXED_SYSTEM)).toMatchInlineSnapshot(
      `""A conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within \\\\boxed{} tags, respectively, i.e., <think> reasoning process here </think> \\\\boxed{answer here}.""`,
    );
    expect([...QWEN_ORZ_BOXED_SYSTEM].filter((c) => c === "\\")).toHaveLength(2);
  });

  it("the LoongRL KeyChain prompt ends with the bare head key", () => {
    const text = renderUserMessage(SPECS["keychain default"]?.spec as UserMessageSpec, KC_CONTEXT);
    expect(text.endsWith(`starting from ${HEAD}.`)).toBe(true);
    expect(text).not.toContain(`"${HEAD}".`);
  });

  it("keeps $-patterns and placeholders inside the context and question literally", () => {
    const context = "a $& b $1 c {chain_head} d {context}";
    const kc = renderUserMessage({ kind: "keychain", variant: "default", chainHead: HEAD }, context);
    expect(kc).toContain(`\n${context}\n\n`);
    const plain = renderUserMessage(
      { kind: "plain", template: PLAIN_TEMPLATE, question: "Q $& {input}?" },
      context,
    );
    expect(plain).toBe(`The following are given passages.\n${context}\n\nQuestion: Q $& {input}?`);
  });
});

describe("stored prompts", () => {
  const plainRecord = { id: "q", kind: "plain", input: QUESTION, context: PLAIN_CONTEXT, answers: ["a"] };

  it("reads the stored messages as they are", () => {
    const prompt = promptMessages("sys", "user text");
    expect(readStoredPrompt({ ...plainRecord, prompt })).toEqual({
      kind: "plain",
      messages: prompt,
      rendered: false,
    });
  });

  it("renders records written before prompts were stored, and says so", () => {
    const { kind: _kind, ...old } = plainRecord;
    const got = readStoredPrompt(old);
    expect(got.rendered).toBe(true);
    expect(got.kind).toBe("plain");
    expect(got.messages).toEqual(
      promptMessages(
        undefined,
        renderUserMessage({ kind: "plain", template: PLAIN_TEMPLATE, question: QUESTION }, PLAIN_CONTEXT),
      ),
    );
    const kc = {
      id: "k",
      distractor_context: KC_CONTEXT,
      chain_head_with_question: HEAD,
      prompt_variant: "find-first",
    };
    expect(recordKind(kc)).toBe("keychain");
    expect(legacyPrompt(kc, "keychain")[0]?.content).toBe(
      renderUserMessage({ kind: "keychain", variant: "find-first", chainHead: HEAD }, KC_CONTEXT),
    );
  });

  it.each([
    [{ prompt: [] }, 'field "prompt": expected at least one message'],
    [{ prompt: [{ role: "user", content: 1 }] }, 'field "prompt[0].content": expected a string'],
    [
      { prompt: [{ role: "tool", content: "x" }] },
      'field "prompt[0].role": expected "system", "user" or "assistant"',
    ],
    [
      {
        prompt: [
          { role: "user", content: "x" },
          { role: "system", content: "y" },
        ],
      },
      'field "prompt[1].role": a system message may only come first',
    ],
    [{ prompt: [{ role: "system", content: "x" }] }, "expected the last message to be the user message"],
    [{ kind: "other" }, 'field "kind": expected "plain" or "keychain"'],
  ])("rejects a bad prompt %j, naming the field", (bad, message) => {
    expect(() => readStoredPrompt({ ...plainRecord, ...bad }, { file: "f.jsonl", line: 3 })).toThrow(message);
    expect(() => readStoredPrompt({ ...plainRecord, ...bad }, { file: "f.jsonl", line: 3 })).toThrow(
      'Cannot read "f.jsonl" line 3',
    );
  });
});

describe("resolveSystemPrompt", () => {
  it("names and files", async () => {
    expect(await resolveSystemPrompt("none")).toBeUndefined();
    expect(await resolveSystemPrompt("qwen_orz_boxed")).toBe(QWEN_ORZ_BOXED_SYSTEM);
    await expect(resolveSystemPrompt("chatml")).rejects.toThrow(/Unknown system prompt "chatml": use none/);
    await expect(resolveSystemPrompt("@/nonexistent/system.txt")).rejects.toThrow(
      'Cannot read the system prompt file "/nonexistent/system.txt"',
    );
  });
});
