import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertRendered,
  NO_CHAT_TEMPLATE,
  parseChatTemplateSpec,
  presetTemplate,
  recordTemplate,
  resolveChatTemplate,
  userFrame,
} from "../../src/prompt/chat-template.js";
import { resolveFraming } from "../../src/prompt/framing.js";
import { promptMessages } from "../../src/prompt/messages.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "../../src/prompt/templates.js";
import { loadQwen3 } from "../../src/tokenizer/bundled.js";
import { loadHfTokenizer } from "../../src/tokenizer/hf.js";

const LLAMA3 = join(import.meta.dirname, "../fixtures/tokenizer/tiny-llama3");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-chat-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseChatTemplateSpec", () => {
  it.each([
    ["auto", { kind: "auto" }],
    ["none", { kind: "none" }],
    ["qwen_orz_boxed", { kind: "preset", name: "qwen_orz_boxed" }],
    ["tpl/chat.jinja", { kind: "file", path: "tpl/chat.jinja" }],
    ["file:x.jinja", { kind: "file", path: "x.jinja" }],
  ])("%s", (value, spec) => {
    expect(parseChatTemplateSpec(value)).toEqual(spec);
  });

  it('refuses "" and "tokenizer" (the name records use, not a spec)', () => {
    expect(() => parseChatTemplateSpec("tokenizer")).toThrow(/Unknown chat template "tokenizer": use auto/);
  });
});

describe("qwen_orz_boxed preset", () => {
  const t = presetTemplate("qwen_orz_boxed");

  it("renders verl's qwen_orz_boxed text: default system, user turn, assistant prefilled with <think>", () => {
    const text = t.render([{ role: "user", content: "USER" }]);
    expect(JSON.stringify(text)).toMatchInlineSnapshot(
      `""<|im_start|>system\\nA conversation between User and Assistant. The User asks a question, and the Assistant solves it. The Assistant first thinks about the reasoning process in the mind and then provides the User with the answer. The reasoning process is enclosed within <think> </think> and answer is enclosed within \\\\boxed{} tags, respectively, i.e., <think> reasoning process here </think> \\\\boxed{answer here}.<|im_end|>\\n<|im_start|>user\\nUSER<|im_end|>\\n<|im_start|>assistant\\n<think>""`,
    );
    expect([...text].filter((c) => c === "\\")).toHaveLength(2);
  });

  it("a system message in the prompt replaces the default one", () => {
    expect(t.render(promptMessages("Be brief.", "Q"))).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>",
    );
    // The stored qwen_orz_boxed system message renders exactly as the template's default.
    expect(t.render(promptMessages(QWEN_ORZ_BOXED_SYSTEM, "Q"))).toBe(
      t.render(promptMessages(undefined, "Q")),
    );
  });

  it("has a stable name and hash", () => {
    expect(t.name).toBe("qwen_orz_boxed");
    expect(t.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(presetTemplate("qwen_orz_boxed").hash).toBe(t.hash);
  });
});

describe("the tokenizer's own template (auto)", () => {
  it("Qwen3: ChatML with the generation prompt, the system turn only when given", async () => {
    const qwen = await loadQwen3();
    const t = await resolveChatTemplate("auto", qwen);
    expect(t.name).toBe("tokenizer");
    expect(t.render(promptMessages(undefined, "Q"))).toBe(
      "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(userFrame(t, promptMessages("S", "").slice(0, -1))).toEqual({
      prefix: "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n",
      suffix: "<|im_end|>\n<|im_start|>assistant\n",
    });
  });

  it("a second family (Llama-3 style, BOS printed by the template)", async () => {
    const tok = await loadHfTokenizer(LLAMA3);
    const t = await resolveChatTemplate("auto", tok);
    expect(JSON.stringify(t.render(promptMessages("Be brief.", "The end.\nthe tent")))).toMatchInlineSnapshot(
      `""<|begin_of_text|><|start_header_id|>system<|end_header_id|>\\n\\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\\n\\nThe end.\\nthe tent<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n""`,
    );
  });

  it("none when the tokenizer has no template", async () => {
    expect(await resolveChatTemplate("auto", { chatTemplate: undefined })).toBe(NO_CHAT_TEMPLATE);
  });
});

describe("templated token counts", () => {
  // The count the budget uses (prefix + user + suffix, each a text the tokenizer sees) equals the length of the
  // token ids of the rendered template string, special tokens parsed as the model's tokenizer parses them.
  it.each([
    ["qwen3", async () => loadQwen3()],
    ["tiny-llama3", async () => loadHfTokenizer(LLAMA3)],
  ])("%s: special tokens count once and the rendered string is what is counted", async (_name, load) => {
    const tok = await load();
    const t = await resolveChatTemplate("auto", tok);
    const prompt = promptMessages(
      "Be brief.",
      "The following are given passages.\nPassage 1:\nthe end\n\nQuestion: the tent?",
    );
    const text = t.render(prompt);
    const ids = await tok.encode(text);
    expect(await tok.count(text)).toBe(ids.length);
    const frame = userFrame(t, prompt.slice(0, -1));
    expect(frame.prefix + (prompt[1]?.content ?? "") + frame.suffix).toBe(text);
    // Special tokens of the frame are single ids, not spelled out.
    const frameOnly = await tok.encode(frame.prefix);
    expect(frameOnly.length).toBeLessThan(frame.prefix.length / 3);
  });
});

describe("files and errors", () => {
  it("reads a Jinja file and a tokenizer_config.json; a missing file names itself", async () => {
    const jinja = join(dir, "t.jinja");
    await writeFile(jinja, "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}>");
    const t = await resolveChatTemplate(jinja, {});
    expect(t.name).toBe(`file:${jinja}`);
    expect(t.render(promptMessages(undefined, "x"))).toBe("[user]x>");
    const config = join(dir, "tokenizer_config.json");
    await writeFile(config, JSON.stringify({ chat_template: "<{{ messages[0].content }}>" }));
    expect((await resolveChatTemplate(config, {})).render(promptMessages(undefined, "y"))).toBe("<y>");
    await expect(resolveChatTemplate(join(dir, "nope.jinja"), {})).rejects.toThrow(
      `Cannot read the chat template file "${join(dir, "nope.jinja")}": no such file`,
    );
  });

  it("refuses templates that do not print the message as it is", async () => {
    const path = join(dir, "upper.jinja");
    await writeFile(path, "{{ messages[0].content | upper }}");
    const t = await resolveChatTemplate(path, {});
    expect(() => userFrame(t, [])).toThrow(/does not print the user message exactly once/);
    const trims = await resolveChatTemplate(LLAMA3 + "/tokenizer_config.json", {});
    const prompt = promptMessages(undefined, "  padded  ");
    const frame = userFrame(trims, []);
    expect(() => assertRendered(trims, prompt, frame.prefix + "  padded  " + frame.suffix)).toThrow(
      /changes the message text when it renders it/,
    );
  });

  it("none renders a single user message; a system prompt needs a template", async () => {
    expect(NO_CHAT_TEMPLATE.render(promptMessages(undefined, "u"))).toBe("u");
    expect(() => NO_CHAT_TEMPLATE.render(promptMessages("s", "u"))).toThrow(/renders a single user message/);
    await expect(
      resolveFraming({ systemPrompt: "qwen_orz_boxed", chatTemplate: "none" }, { name: "x" }),
    ).rejects.toThrow(
      "--system-prompt qwen_orz_boxed needs a chat template; --chat-template none renders the user message alone",
    );
    await expect(resolveFraming({ systemPrompt: "qwen_orz_boxed" }, { name: "approx" })).rejects.toThrow(
      "needs a chat template, but the tokenizer approx has none",
    );
  });

  it("recordTemplate resolves the name a record keeps and checks its hash", async () => {
    const qwen = await loadQwen3();
    const own = await resolveChatTemplate("auto", qwen);
    expect((await recordTemplate("tokenizer", own.hash, qwen)).hash).toBe(own.hash);
    await expect(recordTemplate("tokenizer", "0000000000000000", qwen)).rejects.toThrow(
      /measured with chat template "tokenizer" of hash 0000000000000000, but it now resolves to a template of hash/,
    );
    await expect(recordTemplate("tokenizer", undefined, { name: "approx" })).rejects.toThrow(/has none/);
    expect(await recordTemplate("none", "", qwen)).toBe(NO_CHAT_TEMPLATE);
  });
});
