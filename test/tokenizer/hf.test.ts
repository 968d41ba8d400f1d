import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadQwen3, qwen3TokenizerPath } from "../../src/tokenizer/bundled.js";
import { HF_CHUNK_SIZE, loadHfTokenizer } from "../../src/tokenizer/hf.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

const TINY = fileURLToPath(new URL("../fixtures/tokenizer/tiny-bytelevel-bpe.json", import.meta.url));

describe("qwen3 (bundled tokenizer.json)", () => {
  let qwen3: TokenCounter;
  beforeAll(async () => {
    qwen3 = await loadQwen3();
  });

  it("is named qwen3 and identified by the file's content hash", async () => {
    const bytes = await readFile(qwen3TokenizerPath());
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    expect(qwen3.name).toBe("qwen3");
    expect(qwen3.id).toBe(`hf:${hash}`);
  });

  it("shares its id with hf: on the same file, and on the folder holding it", async () => {
    const byFile = await loadHfTokenizer(qwen3TokenizerPath());
    const byFolder = await loadHfTokenizer(dirname(qwen3TokenizerPath()));
    expect(byFile.id).toBe(qwen3.id);
    expect(byFolder.id).toBe(qwen3.id);
    expect(byFile.name).toBe(`hf:${qwen3TokenizerPath()}`);
  });

  it("encodes without special tokens", async () => {
    expect(await qwen3.encode("Hello world")).toEqual([9707, 1879]);
    expect(await qwen3.count("Hello world")).toBe(2);
    expect(await qwen3.count("")).toBe(0);
  });

  it("counts special-token text found in the data as one token, as HF's tokenize does", async () => {
    expect(await qwen3.encode("<|im_start|>")).toEqual([151644]);
  });

  it("keeps order across chunks and agrees with single counts", async () => {
    const texts = Array.from({ length: HF_CHUNK_SIZE * 2 + 37 }, (_, i) =>
      i % 7 === 0 ? "" : `Passage ${i}:\n${"word ".repeat(i % 50)}${i % 3 === 0 ? "中文 🙂" : "end."}`,
    );
    const batch = await qwen3.countBatch(texts);
    expect(batch).toHaveLength(texts.length);
    const sample = [0, 1, 2, HF_CHUNK_SIZE - 1, HF_CHUNK_SIZE, HF_CHUNK_SIZE * 2 + 36];
    for (const i of sample) expect(batch[i]).toBe(await qwen3.count(texts[i] as string));
    expect(await qwen3.countBatch([])).toEqual([]);
  });
});

describe("loadHfTokenizer", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kc-hf-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ignores truncation and padding configured in the file", async () => {
    const json = JSON.parse(await readFile(TINY, "utf8"));
    json.truncation = { direction: "Right", max_length: 3, strategy: "LongestFirst", stride: 0 };
    json.padding = {
      strategy: { Fixed: 64 },
      direction: "Right",
      pad_to_multiple_of: null,
      pad_id: 0,
      pad_type_id: 0,
      pad_token: "!",
    };
    const path = join(dir, "truncating.json");
    await writeFile(path, JSON.stringify(json));
    const counter = await loadHfTokenizer(path);
    expect(await counter.count("hello there, the end")).toBeGreaterThan(3);
    expect(await counter.countBatch(["ab", "hello there, the end"])).toEqual([
      2,
      await counter.count("hello there, the end"),
    ]);
  });

  it("names a missing path", async () => {
    const missing = join(dir, "nope", "tokenizer.json");
    await expect(loadHfTokenizer(missing)).rejects.toThrow(ConfigError);
    await expect(loadHfTokenizer(missing)).rejects.toThrow(`"${missing}"`);
  });

  it("names the expected file when a folder has no tokenizer.json", async () => {
    const empty = join(dir, "empty");
    await mkdir(empty);
    await expect(loadHfTokenizer(empty)).rejects.toThrow(`expected "${join(empty, "tokenizer.json")}"`);
  });

  it("rejects a file that is not a tokenizer", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, '{"hello": "world"}');
    await expect(loadHfTokenizer(bad)).rejects.toThrow(ConfigError);
    await expect(loadHfTokenizer(bad)).rejects.toThrow(`Cannot load tokenizer file "${bad}"`);
  });
});
