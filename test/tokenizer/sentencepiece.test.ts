import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { loadSentencePiece } from "../../src/tokenizer/sentencepiece.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

/** Tiny unigram model trained with spm_train; see test/fixtures/tokenizer/spm/README.md. */
const MODEL = fileURLToPath(new URL("../fixtures/tokenizer/spm/tiny.model", import.meta.url));

describe("loadSentencePiece", () => {
  let counter: TokenCounter;
  let dir: string;
  beforeAll(async () => {
    counter = await loadSentencePiece(MODEL);
    dir = await mkdtemp(join(tmpdir(), "kc-spm-"));
  });
  afterAll(async () => {
    await counter.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is identified by the model's content hash", async () => {
    const hash = createHash("sha256")
      .update(await readFile(MODEL))
      .digest("hex")
      .slice(0, 16);
    expect(counter.id).toBe(`spm:${hash}`);
    expect(counter.name).toBe(`sentencepiece:${MODEL}`);
    expect(counter.newlineAdditive).toBe(false);
  });

  // Expected ids from the reference C++ tool: `printf '%s\n' TEXT | spm_encode --model=tiny.model --output_format=id`.
  it.each([
    ["Hello world.", [259, 75, 267, 376, 276, 259, 403, 315, 284, 266, 262]],
    [
      "Café 中文 🙂 naïve Zürich 1844",
      [
        410, 287, 319, 358, 259, 461, 362, 259, 470, 370, 459, 445, 267, 259, 451, 360, 270, 304, 294, 357,
        320, 320,
      ],
    ],
  ])("encodes %j like spm_encode, without BOS/EOS", async (text, ids) => {
    expect(await counter.encode(text)).toEqual(ids);
    expect(await counter.count(text)).toBe(ids.length);
  });

  it("counts batches in order", async () => {
    const texts = ["Hello world.", "", "a\nb", "Hello world."];
    expect(await counter.countBatch(texts)).toEqual([11, 0, 3, 11]);
  });

  it("names a missing model file", async () => {
    const missing = join(dir, "missing.model");
    await expect(loadSentencePiece(missing)).rejects.toThrow(ConfigError);
    await expect(loadSentencePiece(missing)).rejects.toThrow(`"${missing}"`);
  });

  it("rejects a file that is not a SentencePiece model", async () => {
    const bad = join(dir, "bad.model");
    await writeFile(bad, "not a model");
    await expect(loadSentencePiece(bad)).rejects.toThrow(`Cannot load SentencePiece model "${bad}"`);
  });

  it("refuses to count after close", async () => {
    const other = await loadSentencePiece(MODEL);
    await other.close();
    await other.close();
    await expect(other.count("x")).rejects.toThrow("closed");
  });
});
