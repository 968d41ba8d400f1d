import { describe, expect, it } from "vitest";
import type { KeychainRecord } from "../../src/keychain/record.js";
import { approxTokens } from "../../src/tokenizer/approx.js";
import {
  type VerifyCode,
  type VerifyOptions,
  verifyRecord as verifyStored,
} from "../../src/verify/verify-record.js";
import {
  buildRecord,
  DOCS,
  distractorLink,
  header,
  insertAfter,
  insertionText,
  type Pair,
  pairText,
  QUESTIONS,
  renderPrompt,
  syncPrompt,
  testId,
  withoutPair,
  withRecountedLength,
} from "./make-record.js";

/** Records as the generator writes them: the stored prompt follows the fields these tests change. */
const verifyRecord = (record: KeychainRecord, options?: VerifyOptions) =>
  verifyStored(syncPrompt(record), options);

const codes = (record: KeychainRecord, promptTokens?: number) =>
  verifyRecord(record, promptTokens === undefined ? {} : { promptTokens }).failures.map((f) => f.code);

describe("verifyRecord on valid records", () => {
  it.each([
    ["uuid", {}],
    ["hex:8", { idFormat: "hex:8" }],
    ["nano:12", { idFormat: "nano:12" }],
    ["one hop", { hops: 1 }],
    ["find-first + qwen_orz_boxed", { promptVariant: "find-first", chatTemplate: "qwen_orz_boxed" }],
    ["seed 7", { seed: 7 }],
  ] as const)("a chain instance (%s) passes every check", (_name, options) => {
    const { record } = buildRecord(options);
    const result = verifyRecord(record, { promptTokens: approxTokens(renderPrompt(record)) });
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.pairs).toBe(record.num_pairs);
  });

  it("the helper uses both kinds of insertion points and stacks pairs at one point", () => {
    const { record, placed } = buildRecord();
    expect(record.distractor_context).toMatch(/\.\n\{"/);
    expect(record.distractor_context).toMatch(/[.?!]"? \{"/);
    expect(record.distractor_context).toContain("\n\n{");
    expect(new Set(placed.map((p) => p.at)).size).toBeLessThan(placed.length);
  });

  it("a pair at the very start of the context passes (the instruction line ends with a newline)", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertionText(pair, "line") + withoutPair(built.record, pair);
    expect(codes({ ...built.record, distractor_context: dc })).toEqual([]);
  });

  it("a question with quotes and a backslash, JSON-escaped, passes", () => {
    const { record } = buildRecord({
      questions: ['Who wrote "Varlo\'s Atlas" (the \\ edition)?', ...QUESTIONS.slice(1)],
    });
    expect(record.distractor_context).toContain('\\"Varlo\'s Atlas\\"');
    expect(codes(record)).toEqual([]);
  });

  it("document text shaped like a pair, or with braces and quotes, is not taken for a pair", () => {
    const { record } = buildRecord();
    expect(record.context).toContain('{"note": "kept"}. ');
    expect(record.context).toContain('{"catalogue": 1}');
    expect(verifyRecord(record).pairs).toBe(record.num_pairs);
  });

  it("a tree instance (branching 2, dead ends) passes", () => {
    const { record, pairs } = buildRecord({ treeLevels: 3, questions: QUESTIONS.slice(0, 2) });
    expect(record.topology).toBe("tree:2");
    expect(record.chain).toHaveLength(3);
    const keys = new Set(pairs.map(([k]) => k));
    const deadEnds = pairs.filter(([, v]) => !keys.has(v) && !QUESTIONS.includes(v));
    expect(deadEnds).toHaveLength(6);
    expect(codes(record)).toEqual([]);
  });

  it("the same tree read as a chain topology fails duplicate_key and the dead-end checks", () => {
    const { record } = buildRecord({ treeLevels: 3, questions: QUESTIONS.slice(0, 2) });
    expect(codes({ ...record, topology: "chain" })).toEqual(["duplicate_key", "solve", "chain_count"]);
  });
});

describe("verifyRecord on broken records", () => {
  it("a pair inside a number (2.{…}.1) fails removal", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertAfter(withoutPair(built.record, pair), "2.", `${pairText(pair)}.`);
    expect(dc).toContain(`2.${pairText(pair)}.1 million`);
    const result = verifyRecord({ ...built.record, distractor_context: dc });
    expect(result.failures.map((f) => f.code)).toEqual(["removal"]);
    expect(result.failures[0]?.message).toMatch(/not followed by/);
    expect(result.pairs).toBe(built.record.num_pairs);
  });

  it("a well-terminated pair inside a number (2.{…}. 1) fails removal with the position", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertAfter(withoutPair(built.record, pair), "2.", insertionText(pair, "sentence"));
    const result = verifyRecord({ ...built.record, distractor_context: dc });
    expect(result.failures.map((f) => f.code)).toEqual(["removal"]);
    const at = dc.indexOf(pairText(pair));
    expect(result.failures[0]?.message).toContain(
      `offset ${at}: a pair ending in ". " must follow a sentence end`,
    );
    expect(result.failures[0]?.message).toContain("⟨here⟩");
  });

  it("a pair inside a sentence (after a word and a space) fails removal", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertAfter(withoutPair(built.record, pair), "was a ", insertionText(pair, "sentence"));
    expect(codes({ ...built.record, distractor_context: dc })).toEqual(["removal"]);
  });

  it("a pair between a passage header and its title fails removal", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertAfter(withoutPair(built.record, pair), header(2), insertionText(pair, "line"));
    const result = verifyRecord({ ...built.record, distractor_context: dc });
    expect(result.failures.map((f) => f.code)).toEqual(["removal"]);
    expect(result.failures[0]?.message).toMatch(/between a passage header and its document/);
  });

  it("a pair glued to the next line's text (the original's '{…}.Title') fails removal", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = insertAfter(withoutPair(built.record, pair), header(3), `${pairText(pair)}.`);
    expect(codes({ ...built.record, distractor_context: dc })).toEqual(["removal"]);
  });

  it("a line-start pair before a blank line fails removal (the blank line must stay)", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc0 = withoutPair(built.record, pair);
    const end = dc0.indexOf(`\n\n${header(2)}`);
    expect(end).toBeGreaterThan(0);
    const dc = `${dc0.slice(0, end + 1)}${insertionText(pair, "line")}${dc0.slice(end + 1)}`;
    expect(codes({ ...built.record, distractor_context: dc })).toEqual(["removal"]);
  });

  it("changed document text in distractor_context fails removal", () => {
    const { record } = buildRecord();
    const dc = record.distractor_context.replace("engraver (born 1888)", "engraver (born 1889)");
    const result = verifyRecord({ ...record, distractor_context: dc });
    expect(result.failures.map((f) => f.code)).toEqual(["removal"]);
    expect(result.failures[0]?.message).toMatch(/removing the pairs does not give context back/);
  });

  it("a duplicated key fails duplicate_key", () => {
    const built = buildRecord();
    const pair = distractorLink(built);
    const dc = built.record.distractor_context;
    const at = dc.indexOf(header(2));
    const second = dc.slice(0, at) + insertionText(pair, "line") + dc.slice(at);
    const record = { ...built.record, distractor_context: second, num_pairs: built.record.num_pairs + 1 };
    const result = verifyRecord(record);
    expect(result.failures.map((f) => f.code)).toEqual(["duplicate_key"]);
    expect(result.failures[0]?.message).toContain(JSON.stringify(pair[0]));
  });

  it("a key with two different values fails duplicate_key (and sends the solver two ways)", () => {
    const built = buildRecord();
    const [head] = built.record.chain;
    const other = built.pairs.find(([, v]) => v === QUESTIONS[1]) as Pair;
    const dc = insertAfter(
      built.record.distractor_context,
      "\n\n",
      insertionText([head as string, other[0]], "line"),
    );
    const record = { ...built.record, distractor_context: dc, num_pairs: built.record.num_pairs + 1 };
    expect(codes(record)).toEqual(["duplicate_key", "solve"]);
  });

  it("a second chain linking into the true path fails unique_route", () => {
    const built = buildRecord();
    const intruder: Pair = [testId(99, 0), built.record.chain[1] as string];
    const dc = insertAfter(built.record.distractor_context, "\n\n", insertionText(intruder, "line"));
    const record = { ...built.record, distractor_context: dc, num_pairs: built.record.num_pairs + 1 };
    const result = verifyRecord(record);
    expect(result.failures.map((f) => f.code)).toEqual(["unique_route"]);
    expect(result.failures[0]?.message).toContain("links into the true path from outside");
  });

  it("a distractor chain ending at the true question fails unique_route", () => {
    const { record } = buildRecord({ questions: [QUESTIONS[0] as string, QUESTIONS[0] as string] });
    expect(codes(record)).toEqual(["unique_route"]);
  });

  it("a chain field that is not the route fails solve", () => {
    const { record } = buildRecord();
    expect(codes({ ...record, chain: [...record.chain].reverse() })).toEqual(["solve", "unique_route"]);
    expect(codes({ ...record, hops: 4 })).toEqual(["solve"]);
    expect(codes({ ...record, chain_head_with_question: testId(5, 5) })).toEqual(["solve"]);
  });

  it("a missing gold document (changed text) fails gold", () => {
    const good = buildRecord().record;
    const docs = [...DOCS];
    docs[1] = (docs[1] as string).replace("Geneva", "Bern");
    const changed = buildRecord({ docs }).record;
    const result = verifyRecord({ ...changed, gold_hashes: good.gold_hashes });
    expect(result.failures.map((f) => f.code)).toEqual(["gold"]);
    expect(result.failures[0]?.message).toMatch(/^passage 2 hashes to [0-9a-f]{16}, gold_hashes\[1\] is/);
  });

  it("a gold position past the last passage, or a wrong num_docs, fails gold", () => {
    const { record } = buildRecord();
    expect(codes({ ...record, gold_positions: [1, 9] })).toEqual(["gold"]);
    expect(codes({ ...record, num_docs: 4 })).toEqual(["gold"]);
  });

  it("an unescaped quote in a question fails pairs_parse (and the chain no longer solves)", () => {
    const question = 'Who wrote "Varlo\'s Atlas"?';
    const { record } = buildRecord({ questions: [question, ...QUESTIONS.slice(1)] });
    const dc = record.distractor_context.replace(JSON.stringify(question), `"${question}"`);
    expect(dc).not.toBe(record.distractor_context);
    const result = verifyRecord({ ...record, distractor_context: dc });
    expect(result.failures.map((f) => f.code)).toEqual([
      "pairs_parse",
      "solve",
      "unique_route",
      "chain_count",
    ]);
    expect(result.failures[0]?.message).toMatch(/expected `}` after the value/);
  });

  it("a raw newline inside a value fails pairs_parse", () => {
    const { record } = buildRecord();
    const q = QUESTIONS[2] as string;
    const dc = record.distractor_context.replace(JSON.stringify(q), JSON.stringify(q).replace(" the ", "\n"));
    expect(codes({ ...record, distractor_context: dc })[0]).toBe("pairs_parse");
  });

  it("a key that is not of the record's id format fails pairs_parse", () => {
    const { record } = buildRecord({ idFormat: "hex:8" });
    expect(codes({ ...record, id_format: "hex:9" })).toEqual(["pairs_parse"]);
  });

  it("a stored prompt that is not the instruction around distractor_context and the head key fails prompt", () => {
    const { record } = buildRecord();
    const user = record.prompt[0]?.content ?? "";
    const edited = {
      ...record,
      prompt: [{ role: "user" as const, content: user.replace("Varlo", "Varla") }],
    };
    const result = verifyStored(edited);
    expect(result.failures.map((f) => f.code)).toEqual(["prompt"]);
    expect(result.failures[0]?.message).toMatch(
      /^the stored prompt's user message differs from the instruction around distractor_context and the start key at character \d+/,
    );
    // A system message is allowed: only the user message must match the fields.
    const withSystem = { ...record, prompt: [{ role: "system" as const, content: "S" }, ...record.prompt] };
    expect(verifyStored(withSystem).failures).toEqual([]);
  });

  it("prompt_length over the budget fails budget", () => {
    const { record } = buildRecord({ targetLength: 4096, tokensToGenerate: 64 });
    const over = { ...record, prompt_length: 4096 - 64 + 1, length: 4096 + 1 };
    const result = verifyRecord(over);
    expect(result.failures.map((f) => f.code)).toEqual(["budget"]);
    expect(result.failures[0]?.message).toBe("prompt_length 4033 > target_length 4096 − G 64 = 4032");
    const atLimit = { ...record, prompt_length: 4032, length: 4096 };
    expect(codes(atLimit)).toEqual([]);
  });

  it("a recount that differs from prompt_length fails budget", () => {
    const { record } = buildRecord();
    const tokens = approxTokens(renderPrompt(record));
    expect(codes(record, tokens)).toEqual([]);
    expect(codes(record, tokens + 1)).toEqual(["budget"]);
    const templated = withRecountedLength({ ...record, chat_template: "qwen_orz_boxed" }, 64);
    expect(templated.prompt_length).toBeGreaterThan(record.prompt_length);
    expect(codes(templated, tokens)).toEqual(["budget"]);
  });

  it("an id that occurs in the documents fails ids_in_documents", () => {
    const key = buildRecord().record.chain[1] as string;
    const docs = [...DOCS];
    docs[4] = `${docs[4]} Archive reference ${key}.`;
    const { record } = buildRecord({ docs });
    expect(record.chain[1]).toBe(key);
    const result = verifyRecord(record);
    expect(result.failures.map((f) => f.code)).toEqual(["ids_in_documents"]);
    expect(result.failures[0]?.message).toContain(key);
  });

  it("wrong num_chains or num_pairs fails chain_count", () => {
    const { record } = buildRecord();
    expect(codes({ ...record, num_chains: 5 })).toEqual(["chain_count"]);
    expect(codes({ ...record, num_pairs: 11 })).toEqual(["chain_count"]);
  });

  it("a tree key with more children than the branching fails duplicate_key", () => {
    const { record } = buildRecord({ treeLevels: 3, questions: QUESTIONS.slice(0, 2) });
    expect(codes({ ...record, topology: "tree:1" })).toEqual(["duplicate_key"]);
  });

  it.each([
    ["id_format", { id_format: "base64" }],
    ["topology", { topology: "graph" }],
  ])("an unknown %s throws an InputError", (_field, patch) => {
    const { record } = buildRecord();
    expect(() => verifyRecord({ ...record, ...patch })).toThrow(/unknown/);
  });

  it("several problems give one failure per code, the first shown and the rest counted", () => {
    const { record } = buildRecord();
    const result = verifyRecord({ ...record, gold_positions: [7, 8, 9], gold_hashes: ["a", "b", "c"] });
    expect(result.failures).toEqual([
      { code: "gold", message: "gold passage 7 does not exist (5 passages) (and 2 more)" },
    ] satisfies { code: VerifyCode; message: string }[]);
  });
});
