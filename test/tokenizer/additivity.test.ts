import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analysePattern, analyseTokenizerJson, GPT2_PATTERN } from "../../src/tokenizer/additivity.js";
import { createApproxCounter } from "../../src/tokenizer/approx.js";
import { loadQwen3, qwen3TokenizerPath } from "../../src/tokenizer/bundled.js";
import { loadHfTokenizer } from "../../src/tokenizer/hf.js";
import { loadTiktoken } from "../../src/tokenizer/tiktoken.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

const TINY = new URL("../fixtures/tokenizer/tiny-bytelevel-bpe.json", import.meta.url);

const QWEN_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** cl100k as tiktoken writes it: possessive quantifiers and a single-newline run. */
const CL100K_TIKTOKEN_PATTERN =
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
const CL100K_JS_TIKTOKEN_PATTERN =
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const O200K_PATTERN = [
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
  "\\p{N}{1,3}",
  " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
  "\\s*[\\r\\n]+",
  "\\s+(?!\\S)",
  "\\s+",
].join("|");

describe("analysePattern", () => {
  it.each([
    ["Qwen2/3", QWEN_PATTERN, true],
    ["Llama 3", LLAMA3_PATTERN, true],
    ["cl100k (tiktoken form, possessive)", CL100K_TIKTOKEN_PATTERN, true],
    ["cl100k (js-tiktoken form)", CL100K_JS_TIKTOKEN_PATTERN, true],
    ["GPT-2 (no newline run)", GPT2_PATTERN, false],
    ["o200k (its punctuation run may continue with '/' after the newline)", O200K_PATTERN, false],
    ["look-ahead before the newline run", "\\p{L}+|\\s+(?!\\S)|\\s*[\\r\\n]+|\\s+", false],
    ["an alternative that can swallow a newline", "\\p{L}+|[\\s\\S]+|\\s*[\\r\\n]+|\\s+", false],
    ["no newline run at all", "\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+", false],
  ])("%s → %s", (_name, pattern, additive) => {
    expect(analysePattern(pattern).additive).toBe(additive);
  });

  it("explains why GPT-2's pattern is rejected", () => {
    expect(analysePattern(GPT2_PATTERN).reason).toContain("\\s+(?!\\S)");
  });
});

describe("analyseTokenizerJson", () => {
  let tiny: Record<string, unknown>;
  beforeAll(async () => {
    tiny = JSON.parse(await readFile(TINY, "utf8"));
  });
  const variant = (patch: Record<string, unknown>): Record<string, unknown> => ({
    ...structuredClone(tiny),
    ...patch,
  });
  const split = (pattern: string, extra: Record<string, unknown> = {}) => ({
    type: "Split",
    pattern: { Regex: pattern },
    behavior: "Isolated",
    invert: false,
    ...extra,
  });
  const byteLevel = (extra: Record<string, unknown> = {}) => ({
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: false,
    use_regex: false,
    ...extra,
  });

  it("accepts the bundled Qwen3 tokenizer.json", async () => {
    const json = JSON.parse(await readFile(qwen3TokenizerPath(), "utf8"));
    expect(analyseTokenizerJson(json)).toEqual({
      additive: true,
      reason: expect.stringContaining("byte-level BPE"),
    });
  });

  it("accepts the tiny Qwen-style fixture", () => {
    expect(analyseTokenizerJson(tiny).additive).toBe(true);
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ["no normalizer", { normalizer: null }, true],
    ["a Sequence of NFC", { normalizer: { type: "Sequence", normalizers: [{ type: "NFC" }] } }, true],
    ["an NFKC normalizer", { normalizer: { type: "NFKC" } }, false],
    [
      "a lowercasing normalizer",
      { normalizer: { type: "Sequence", normalizers: [{ type: "Lowercase" }] } },
      false,
    ],
    ["ByteLevel with GPT-2's regex", { pre_tokenizer: byteLevel({ use_regex: true }) }, false],
    ["ByteLevel without any regex", { pre_tokenizer: byteLevel() }, false],
    [
      "Metaspace",
      { pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always" } },
      false,
    ],
    [
      "Split + Digits + ByteLevel",
      {
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [split(LLAMA3_PATTERN), { type: "Digits", individual_digits: true }, byteLevel()],
        },
      },
      true,
    ],
    [
      "Split + ByteLevel(use_regex) (the regex only re-splits pieces)",
      {
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [split(LLAMA3_PATTERN), byteLevel({ use_regex: true })],
        },
      },
      true,
    ],
    [
      "Split that merges matches with the previous piece",
      {
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [split(QWEN_PATTERN, { behavior: "MergedWithPrevious" }), byteLevel()],
        },
      },
      false,
    ],
    [
      "ByteLevel adding a prefix space",
      {
        pre_tokenizer: {
          type: "Sequence",
          pretokenizers: [split(QWEN_PATTERN), byteLevel({ add_prefix_space: true })],
        },
      },
      false,
    ],
    [
      "Split on GPT-2's pattern",
      { pre_tokenizer: { type: "Sequence", pretokenizers: [split(GPT2_PATTERN), byteLevel()] } },
      false,
    ],
    [
      "Split without ByteLevel",
      { pre_tokenizer: { type: "Sequence", pretokenizers: [split(QWEN_PATTERN)] } },
      false,
    ],
  ])("%s → %s", (_name, patch, additive) => {
    expect(analyseTokenizerJson(variant(patch)).additive).toBe(additive);
  });

  it.each<[string, (json: Record<string, unknown>) => void]>([
    ["a Unigram model", (json) => Object.assign(json.model as object, { type: "Unigram" })],
    ["BPE dropout", (json) => Object.assign(json.model as object, { dropout: 0.1 })],
    [
      "an added token that strips whitespace on its left",
      (json) =>
        (json.added_tokens as Record<string, unknown>[]).push({ id: 999, content: "<x>", lstrip: true }),
    ],
    [
      "an added token spanning a newline",
      (json) =>
        (json.added_tokens as Record<string, unknown>[]).push({ id: 999, content: "\nQ:", lstrip: false }),
    ],
  ])("rejects %s", (_name, mutate) => {
    const json = variant({});
    mutate(json);
    expect(analyseTokenizerJson(json).additive).toBe(false);
  });
});

/** A realistic alphabet: letters, digits, punctuation, spaces, newlines, accents, CJK, emoji. */
const CHARS = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  ...".,?!:;\"'()-/",
  " ",
  " ",
  " ",
  "\n",
  "\n",
  "\t",
  "\r",
  "é",
  "ü",
  "ß",
  "ñ",
  "中",
  "文",
  "の",
  "😀",
  "🔑",
  "\u0301",
  "’",
  "…",
];
const NON_WHITESPACE = CHARS.filter((c) => !/\s/.test(c));
const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 40 }).map((chars) => chars.join(""));
/** Ends with "\n", often after more whitespace or punctuation. */
const endsWithNewline = fc
  .tuple(
    text,
    fc.constantFrom("\n", "\n\n", "\n\n\n", " \n", "  \n", ".\n", ".\n\n", ":\n", "\r\n", "\n \n", "?\n\n"),
  )
  .map(([body, end]) => body + end);
const startsWithNonWhitespace = fc
  .tuple(fc.constantFrom(...NON_WHITESPACE), text)
  .map(([first, rest]) => first + rest);

/** fast-check property: count(a + b) === count(a) + count(b). */
function additiveAt(counter: TokenCounter, a: fc.Arbitrary<string>, b: fc.Arbitrary<string>) {
  return fc.asyncProperty(a, b, async (left, right) => {
    const [whole, l, r] = await counter.countBatch([left + right, left, right]);
    return whole === (l as number) + (r as number);
  });
}

describe.each([
  ["qwen3", () => loadQwen3()],
  ["tiktoken:cl100k_base", () => loadTiktoken("cl100k_base")],
])("%s is additive at newline boundaries", (_name, load) => {
  let counter: TokenCounter;
  beforeAll(async () => {
    counter = await load();
  });

  it("claims it", () => {
    expect(counter.newlineAdditive).toBe(true);
  });

  it("holds for random a (ending in \\n) and b (starting with non-whitespace)", async () => {
    await fc.assert(additiveAt(counter, endsWithNewline, startsWithNonWhitespace), {
      numRuns: 600,
      seed: 20250101,
    });
  });

  it("the same check fails across a '.' | '\\n\\n' boundary, so it can fail", async () => {
    const endsWithPeriod = text.map((s) => `${s}end.`);
    const startsWithNewlines = text.map((s) => `\n\n${s}`);
    const result = await fc.check(additiveAt(counter, endsWithPeriod, startsWithNewlines), {
      numRuns: 200,
      seed: 7,
    });
    expect(result.failed).toBe(true);
  });
});

describe("counters that must not claim newline additivity", () => {
  it("qwen3 is not additive across '.' | '\\n\\n'", async () => {
    const qwen3 = await loadQwen3();
    const [whole, left, right] = await qwen3.countBatch(["end.\n\n", "end.", "\n\n"]);
    expect(whole).not.toBe((left as number) + (right as number));
  });

  it.each(["gpt2", "r50k_base", "p50k_base"])(
    "tiktoken:%s uses GPT-2's pattern, which is not additive",
    async (enc) => {
      const counter = await loadTiktoken(enc);
      expect(counter.newlineAdditive).toBe(false);
      const [whole, left, right] = await counter.countBatch(["x\n\ny", "x\n\n", "y"]);
      expect(whole).toBe(4);
      expect((left as number) + (right as number)).toBe(3);
    },
  );

  it("tiktoken:o200k_base is not additive: ` ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*` runs on into a '/'", async () => {
    const o200k = await loadTiktoken("o200k_base");
    expect(o200k.newlineAdditive).toBe(false);
    // Found by the property test: alone, "'\n" and "/a" are 1 + 2 tokens; together "'\n/" is one pre-token.
    const [whole, left, right] = await o200k.countBatch(["'\n/a", "'\n", "/a"]);
    expect(whole).not.toBe((left as number) + (right as number));
  });

  it("approx is not additive (ceil rounds each part up)", async () => {
    const approx = createApproxCounter();
    expect(approx.newlineAdditive).toBe(false);
    expect(await approx.count("a\nb")).toBe(1);
    expect((await approx.count("a\n")) + (await approx.count("b"))).toBe(2);
  });
});

describe("HF tokenizer.json variants, checked by counting", () => {
  let dir: string;
  let tiny: Record<string, unknown>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kc-additivity-"));
    tiny = JSON.parse(await readFile(TINY, "utf8"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, json: Record<string, unknown>): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(json));
    return path;
  };

  it("the Qwen-style fixture is additive and the property holds", async () => {
    const counter = await loadHfTokenizer(await write("qwen-style.json", tiny));
    expect(counter.newlineAdditive).toBe(true);
    await fc.assert(additiveAt(counter, endsWithNewline, startsWithNonWhitespace), { numRuns: 300, seed: 3 });
  });

  it("the same vocabulary behind ByteLevel(use_regex: true) is not additive, and counting shows why", async () => {
    const gpt2Style = {
      ...structuredClone(tiny),
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: true },
    };
    const counter = await loadHfTokenizer(await write("gpt2-style.json", gpt2Style));
    expect(counter.newlineAdditive).toBe(false);
    // Alone, "\n\n" at the end is one pre-token (merged to one token); before "y" it splits in two.
    const [whole, left, right] = await counter.countBatch(["x\n\ny", "x\n\n", "y"]);
    expect(whole).toBe(4);
    expect((left as number) + (right as number)).toBe(3);
  });
});
