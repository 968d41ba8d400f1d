import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { approxTokens, codePointLength, createApproxCounter } from "../../src/tokenizer/approx.js";

describe("approxTokens", () => {
  it.each([
    ["", 0],
    ["a", 1],
    ["abcd", 1],
    ["abcde", 2],
    ["🙂🙂🙂🙂", 1], // four code points, eight UTF-16 units
    ["中文中文中", 2],
    ["\ud800abc", 1], // a lone surrogate counts as one character
  ])("%j → %i", (text, tokens) => {
    expect(approxTokens(text)).toBe(tokens);
  });

  it("counts code points", () => {
    expect(codePointLength("a🙂b")).toBe(3);
    expect(codePointLength("🙂\ud800")).toBe(2);
  });
});

describe("createApproxCounter", () => {
  it("has a stable id, counts in batches and has no ids", async () => {
    const counter = createApproxCounter();
    expect(counter.id).toBe("approx");
    expect(counter.newlineAdditive).toBe(false);
    expect(await counter.countBatch(["abcde", "", "abc"])).toEqual([2, 0, 1]);
    await expect(counter.encode("abc")).rejects.toThrow(ConfigError);
  });
});
