import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docTokenCounts } from "../../src/cache/doc-counts.js";
import { EscapedDocuments } from "../../src/compose/documents.js";
import { DEFAULT_LAYOUT } from "../../src/compose/layout.js";
import { parsePlacement } from "../../src/compose/placement.js";
import { QuestionPool } from "../../src/compose/question-pool.js";
import { SizedCorpus } from "../../src/compose/sized-corpus.js";
import type { QaRecord } from "../../src/corpus/types.js";
import { escapedBody } from "../../src/io/json-line.js";
import {
  type PlainResult,
  type PlainSampleOptions,
  synthesizePlain,
  type WindowItem,
} from "../../src/plain/synthesize.js";
import {
  type ChatTemplate,
  NO_CHAT_TEMPLATE,
  presetTemplate,
  resolveChatTemplate,
} from "../../src/prompt/chat-template.js";
import { PLAIN_TEMPLATE, promptMessages } from "../../src/prompt/messages.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "../../src/prompt/templates.js";
import { parseTemplate } from "../../src/prompt/user-template.js";
import { Rng } from "../../src/rng.js";
import { loadHfTokenizer } from "../../src/tokenizer/hf.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";
import { wordCounter } from "../support/word-counter.js";

function world(nDocs = 400, nQas = 40) {
  const r = Rng.derive("world");
  const docs = Array.from({ length: nDocs }, (_, d) => {
    const words = 5 + r.int(60);
    return `Title ${d}\n${Array.from({ length: words }, (_, w) => `word${(d * 7 + w) % 97}`).join(" ")}.`;
  });
  const qas: QaRecord[] = Array.from({ length: nQas }, (_, i) => ({
    id: `q${i}`,
    question: `Question number ${i}?`,
    answers: [`answer ${i}`],
    aliases: [],
    docs: [i * 5, i * 5 + 1, i * 5 + 2],
    gold: [i * 5, i * 5 + 1],
    hops: 2,
    sourcePosition: i,
  }));
  return { docs, qas };
}

async function setup(counter: TokenCounter = wordCounter()) {
  const { docs, qas } = world();
  const { counts } = await docTokenCounts(docs, "fp", counter, { cacheDir: undefined, suffix: "\n\n" });
  return { sized: new SizedCorpus(docs, counts, DEFAULT_LAYOUT), qas, counter };
}

function options(over: Partial<PlainSampleOptions> = {}): PlainSampleOptions {
  return {
    dataset: "toy",
    maxSeqLength: 700,
    tokensToGenerate: 100,
    seed: 42,
    template: parseTemplate("{context}"),
    system: undefined,
    chatTemplate: NO_CHAT_TEMPLATE,
    placement: parsePlacement("shuffle"),
    removeNewlineTab: false,
    distractQuestions: -1,
    checkBudget: "all",
    ...over,
  };
}

const items = (qas: QaRecord[], from = 0, to = qas.length): WindowItem[] =>
  qas.slice(from, to).map((qa, k) => ({ qa, sourceIndex: from + k, index: from + k }));

async function collect(gen: AsyncIterable<PlainResult>): Promise<PlainResult[]> {
  const out: PlainResult[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

const count = (t: string) => (t.match(/\S+/g) ?? []).length;

describe("synthesizePlain", () => {
  it("every prompt's computed length equals a full recount and is within L − G, filling it", async () => {
    const { sized, qas, counter } = await setup();
    const res = await collect(synthesizePlain({ sized, counter }, items(qas), options()));
    expect(res).toHaveLength(40);
    for (const r of res) {
      if (r.kind !== "sample") throw new Error(r.reason);
      expect(count(r.record.context)).toBe(r.record.prompt_length);
      expect(r.record.prompt_length).toBeLessThanOrEqual(600);
      expect(r.record.prompt_length).toBeGreaterThanOrEqual(590);
      expect(r.record.length).toBe(r.record.prompt_length + 100);
    }
  });

  it("hands each sample's context on escaped from the corpus's escaped documents, checked where prompts are", async () => {
    const { sized, qas, counter } = await setup();
    const docs = Array.from({ length: sized.docs.length }, (_, d) => sized.docs.at(d) as string);
    const withEscaped = (escaped: EscapedDocuments) =>
      new SizedCorpus(sized.docs, sized.units, DEFAULT_LAYOUT, { escaped });
    const good = withEscaped(EscapedDocuments.from(docs));
    const res = await collect(synthesizePlain({ sized: good, counter }, items(qas), options()));
    const plain = await collect(synthesizePlain({ sized, counter }, items(qas), options()));
    expect(res.map((r) => r.kind === "sample" && r.record)).toEqual(
      plain.map((r) => r.kind === "sample" && r.record),
    );
    for (const r of res) {
      if (r.kind !== "sample") throw new Error(r.reason);
      const json = r.shared[0]?.json as Uint8Array;
      expect(Buffer.from(json).equals(escapedBody(r.record.context))).toBe(true);
    }
    // A table that is not the corpus's documents is caught at the first checked prompt, never written.
    const wrong = withEscaped(EscapedDocuments.from(docs.map((d) => d.replace("Title", "Tilte"))));
    await expect(
      collect(synthesizePlain({ sized: wrong, counter }, items(qas), options({ checkBudget: "sample" }))),
    ).rejects.toThrow('The escaped context of sample 0 (id "q0") differs from its context');
  });

  it("keeps every gold document and reports its passage number", async () => {
    const { sized, qas, counter } = await setup();
    for (const r of await collect(synthesizePlain({ sized, counter }, items(qas), options()))) {
      if (r.kind !== "sample") throw new Error(r.reason);
      const qa = qas[r.record.source_index]!;
      expect(r.record.gold_positions).toHaveLength(qa.gold.length);
      for (const p of r.record.gold_positions) {
        const passage = r.record.context.split("\n\n").find((s) => s.startsWith(`Passage ${p}:\n`));
        expect(qa.gold.map((g) => sized.docs.at(g))).toContain(passage?.slice(`Passage ${p}:\n`.length));
      }
    }
  });

  it("is deterministic and independent of how the window is split", async () => {
    const { sized, qas, counter } = await setup();
    const whole = await collect(synthesizePlain({ sized, counter }, items(qas), options()));
    const parts = [
      ...(await collect(synthesizePlain({ sized, counter }, items(qas, 0, 13), options()))),
      ...(await collect(synthesizePlain({ sized, counter }, items(qas, 13, 40), options(), 5))),
    ];
    expect(JSON.stringify(parts)).toBe(JSON.stringify(whole));
    const otherSeed = await collect(synthesizePlain({ sized, counter }, items(qas), options({ seed: 43 })));
    expect(JSON.stringify(otherSeed)).not.toBe(JSON.stringify(whole));
  });

  it("gold positions vary from sample to sample (no fixed permutation)", async () => {
    const { sized, qas, counter } = await setup();
    const firsts = new Set<number>();
    for (const r of await collect(synthesizePlain({ sized, counter }, items(qas), options()))) {
      if (r.kind === "sample") firsts.add(r.record.gold_positions[0]!);
    }
    expect(firsts.size).toBeGreaterThan(10);
  });

  it("skips a sample whose gold documents cannot fit, with the reason", async () => {
    const { sized, qas, counter } = await setup();
    const res = await collect(
      synthesizePlain({ sized, counter }, items(qas, 0, 3), options({ maxSeqLength: 120 })),
    );
    const skips = res.filter((r) => r.kind === "skip");
    expect(skips.length).toBeGreaterThan(0);
    for (const s of skips) if (s.kind === "skip") expect(s.reason).toMatch(/gold documents need \d+ tokens/);
  });

  it("counts the template's question text in the budget", async () => {
    const { sized, qas, counter } = await setup();
    const template = parseTemplate("The following are given passages.\n{context}\n\nQuestion: {input}");
    for (const r of await collect(
      synthesizePlain({ sized, counter }, items(qas, 0, 10), options({ template })),
    )) {
      if (r.kind !== "sample") throw new Error(r.reason);
      const user = r.record.prompt[0]?.content ?? "";
      expect(r.record.prompt).toHaveLength(1);
      expect(user).toBe(
        `The following are given passages.\n${r.record.context}\n\nQuestion: ${r.record.input}`,
      );
      expect(r.record.context.startsWith("Passage 1:\n")).toBe(true);
      expect(count(user)).toBe(r.record.prompt_length);
      expect(r.record.prompt_length).toBeLessThanOrEqual(600);
    }
  });

  it("with --remove-newline-tab, measures the collapsed text and still keeps the budget", async () => {
    // A counter that is not additive: counts characters / 4, so the collapsed text must be measured in full.
    const chars: TokenCounter = {
      id: "test:chars",
      name: "chars",
      newlineAdditive: false,
      countBatch: async (ts) => ts.map((t) => Math.ceil(t.length / 4)),
      count: async (t) => Math.ceil(t.length / 4),
      encode: async () => [],
      close: async () => {},
    };
    const { sized, qas, counter } = await setup(chars);
    for (const r of await collect(
      synthesizePlain({ sized, counter }, items(qas, 0, 10), options({ removeNewlineTab: true })),
    )) {
      if (r.kind !== "sample") throw new Error(r.reason);
      expect(r.record.context).not.toMatch(/[\n\t]/);
      expect(r.record.prompt[0]?.content).toBe(r.record.context);
      expect(Math.ceil(r.record.context.length / 4)).toBe(r.record.prompt_length);
      expect(r.record.prompt_length).toBeLessThanOrEqual(600);
      expect(r.record.prompt_length).toBeGreaterThan(550);
    }
  });

  it("counts the stored prompt through the chat template, as the trainer renders it (Qwen3 and a Llama-3-style family)", async () => {
    const qwen = await resolveTokenizer("qwen3");
    const llama = await loadHfTokenizer(join(import.meta.dirname, "../fixtures/tokenizer/tiny-llama3"));
    const cases: [TokenCounter, ChatTemplate, string | undefined][] = [
      [qwen, await resolveChatTemplate("auto", qwen), undefined],
      [qwen, await resolveChatTemplate("auto", qwen), QWEN_ORZ_BOXED_SYSTEM],
      [qwen, presetTemplate("qwen_orz_boxed"), undefined],
      [llama, await resolveChatTemplate("auto", llama), "Be brief."],
    ];
    for (const [tok, chatTemplate, system] of cases) {
      const { sized, qas } = await setup(tok);
      const res = await collect(
        synthesizePlain(
          { sized, counter: tok },
          items(qas, 0, 12),
          options({ template: PLAIN_TEMPLATE, chatTemplate, system, checkBudget: "off", maxSeqLength: 900 }),
        ),
      );
      expect(res.filter((r) => r.kind === "sample").length).toBeGreaterThan(8);
      for (const r of res) {
        if (r.kind !== "sample") continue;
        const ids = await tok.encode(chatTemplate.render(r.record.prompt));
        expect(ids.length, `${tok.name} ${chatTemplate.name}`).toBe(r.record.prompt_length);
        expect(r.record.prompt_length).toBeLessThanOrEqual(800);
        expect(r.record.prompt).toEqual(
          promptMessages(
            system,
            `The following are given passages.\n${r.record.context}\n\nQuestion: ${r.record.input}`,
          ),
        );
        expect([r.record.kind, r.record.chat_template, r.record.chat_template_hash]).toEqual([
          "plain",
          chatTemplate.name,
          chatTemplate.hash,
        ]);
      }
    }
    await qwen.close();
  });

  it("relevant-only keeps just the gold documents", async () => {
    const { sized, qas, counter } = await setup();
    for (const r of await collect(
      synthesizePlain(
        { sized, counter },
        items(qas, 0, 5),
        options({ placement: parsePlacement("relevant-only") }),
      ),
    )) {
      if (r.kind !== "sample") throw new Error(r.reason);
      expect(r.record.num_docs).toBe(2);
    }
  });

  it("distract_questions never contain the sample's own question and do not repeat", async () => {
    const { sized, qas, counter } = await setup();
    const dup = { ...qas[1]!, id: "dup-of-0", question: "question NUMBER 0 ?" };
    const pool = new QuestionPool([...qas, dup]);
    for (const r of await collect(
      synthesizePlain({ sized, counter, pool }, items(qas, 0, 5), options({ distractQuestions: 38 })),
    )) {
      if (r.kind !== "sample") throw new Error(r.reason);
      const dq = r.record.distract_questions!;
      expect(dq).toHaveLength(38);
      expect(new Set(dq).size).toBe(38);
      expect(dq).not.toContain(r.record.input);
      if (r.record.id === "q0") expect(dq).not.toContain(dup.question);
    }
  });
});
