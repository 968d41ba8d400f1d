import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadTiktoken, TIKTOKEN_ENCODINGS } from "../../src/tokenizer/tiktoken.js";

describe("loadTiktoken", () => {
  it.each([
    ["cl100k_base", "hello world", [15339, 1917]],
    ["o200k_base", "hello world", [24912, 2375]],
    ["gpt2", "hello world", [31373, 995]],
  ])("%s encodes %j without special tokens", async (encoding, text, ids) => {
    const counter = await loadTiktoken(encoding);
    expect(counter.id).toBe(`tiktoken:${encoding}`);
    expect(counter.name).toBe(`tiktoken:${encoding}`);
    expect(await counter.encode(text)).toEqual(ids);
    expect(await counter.count(text)).toBe(ids.length);
  });

  it("treats special-token strings in the data as plain text instead of throwing", async () => {
    const counter = await loadTiktoken("cl100k_base");
    const ids = await counter.encode("a <|endoftext|> b");
    expect(ids).not.toContain(100257);
    expect(ids.length).toBeGreaterThan(3);
  });

  it("countBatch keeps order and yields across long batches", async () => {
    const counter = await loadTiktoken("cl100k_base");
    const texts = Array.from({ length: 600 }, (_, i) => " word".repeat(i % 13));
    const counts = await counter.countBatch(texts);
    expect(counts).toEqual(texts.map((_, i) => i % 13)); // " word" is one token
  });

  it("rejects an unknown encoding, listing the known ones", async () => {
    await expect(loadTiktoken("cl100k")).rejects.toThrow(ConfigError);
    await expect(loadTiktoken("cl100k")).rejects.toThrow(TIKTOKEN_ENCODINGS.join(", "));
    await expect(loadTiktoken("toString")).rejects.toThrow(ConfigError);
  });
});
