import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serializePair } from "../../src/keychain/pairs.js";
import { jsSplitPattern, PieceMemo } from "../../src/tokenizer/piece-memo.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";

describe("jsSplitPattern", () => {
  it("expands inline case-insensitive groups, which Node 20 regexes lack", () => {
    const re = jsSplitPattern("(?i:'s|'t)|\\p{L}+")!;
    expect("It'S Ok".match(re)).toEqual(["It", "'S", "Ok"]);
  });
  it("gives up on syntax it does not translate", () => {
    expect(jsSplitPattern("(?<name>a)")).toBeUndefined();
  });
});

describe("countShort (pre-token memo) on qwen3", () => {
  it("equals countBatch on KeyChain pairs and on arbitrary text", async () => {
    const counter = await resolveTokenizer("qwen3");
    expect(counter.countShort).toBeDefined();
    const text = fc.string({
      unit: fc.constantFrom(
        "a",
        "Z",
        "é",
        "e\u0301",
        "中",
        "1",
        "9",
        ".",
        "?",
        '"',
        "'s",
        "'LL",
        "{",
        "}",
        " ",
        "  ",
        "\n",
        "\t",
        "<|im_start|>",
        "<|im_end|>",
        "<think>",
        "</think>",
        "<|im_start|>user\n",
        "<|endoftext|>",
        "<|im_",
        "\ufeff",
        "😀",
      ),
      maxLength: 40,
    });
    const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef-"), minLength: 1, maxLength: 36 });
    const texts = [
      ...fc.sample(text, { numRuns: 400, seed: 3 }),
      ...fc
        .sample(fc.tuple(hex, fc.oneof(hex, text)), { numRuns: 400, seed: 4 })
        .flatMap(([k, v]) => [`${serializePair(k, v)}.\n`, ` ${serializePair(k, v)}.`]),
    ];
    const direct = await counter.countBatch(texts);
    // twice: the second pass is served from the memo
    expect(await counter.countShort!(texts)).toEqual(direct);
    expect(await counter.countShort!(texts)).toEqual(direct);
    await counter.close();
  });
});

describe("PieceMemo around added tokens", () => {
  /** A base counter that counts characters, and remembers what it was asked. */
  function base() {
    const asked: string[] = [];
    return {
      asked,
      countBatch: async (texts: readonly string[]) => {
        asked.push(...texts);
        return texts.map((t) => t.length);
      },
    };
  }
  const rule = { pattern: "\\p{L}+|\\s+|[^\\s\\p{L}]+", addedTokens: ["<|a|>", "<|ab|>"], nfc: false };

  it("splits them out, longest first, when they are matched as written", async () => {
    const b = base();
    const memo = new PieceMemo(b, { ...rule, plainAdded: true });
    expect(await memo.countBatch(["x<|ab|>y z<|a|>"])).toEqual([15]);
    expect(b.asked).toEqual(["x", "<|ab|>", "y", " ", "z", "<|a|>"]);
  });

  it("counts a text holding one directly otherwise (lstrip, rstrip, single_word, normalized)", async () => {
    const b = base();
    const memo = new PieceMemo(b, { ...rule, plainAdded: false });
    expect(await memo.countBatch(["x<|ab|>y", "plain words"])).toEqual([8, 11]);
    expect(b.asked).toContain("x<|ab|>y");
  });
});
