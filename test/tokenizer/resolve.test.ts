import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { qwen3TokenizerPath } from "../../src/tokenizer/bundled.js";
import { parseTokenizerSpec, resolveTokenizer, TOKENIZER_SPEC_FORMS } from "../../src/tokenizer/resolve.js";

const SPM = fileURLToPath(new URL("../fixtures/tokenizer/spm/tiny.model", import.meta.url));

describe("parseTokenizerSpec", () => {
  it.each([
    ["qwen3", { kind: "qwen3" }],
    ["approx", { kind: "approx" }],
    ["hf:./tok/tokenizer.json", { kind: "hf", path: "./tok/tokenizer.json" }],
    ["hf:C:/a:b", { kind: "hf", path: "C:/a:b" }],
    [
      "hf:Qwen/Qwen3-8B",
      { kind: "hf", path: "Qwen/Qwen3-8B", repo: { repoId: "Qwen/Qwen3-8B", revision: undefined } },
    ],
    [
      "Qwen/Qwen3-8B",
      { kind: "hf", path: "Qwen/Qwen3-8B", repo: { repoId: "Qwen/Qwen3-8B", revision: undefined } },
    ],
    ["Org/Tiny@v1.0", { kind: "hf", path: "Org/Tiny@v1.0", repo: { repoId: "Org/Tiny", revision: "v1.0" } }],
    [
      "hf:tok/tokenizer.json",
      { kind: "hf", path: "tok/tokenizer.json", repo: { repoId: "tok/tokenizer.json", revision: undefined } },
    ],
    ["hf:a/b/tokenizer.json", { kind: "hf", path: "a/b/tokenizer.json" }],
    ["tiktoken:cl100k_base", { kind: "tiktoken", encoding: "cl100k_base" }],
    ["sentencepiece:m.model", { kind: "sentencepiece", path: "m.model" }],
    ["vllm:http://127.0.0.1:8000", { kind: "vllm", url: "http://127.0.0.1:8000", model: undefined }],
    ["vllm:http://h:8000#Qwen/Qwen3-8B", { kind: "vllm", url: "http://h:8000", model: "Qwen/Qwen3-8B" }],
    ["gemini:gemini-2.5-flash", { kind: "gemini", model: "gemini-2.5-flash" }],
  ])("%s", (spec, parsed) => {
    expect(parseTokenizerSpec(spec)).toEqual(parsed);
  });

  it.each([
    "",
    "qwen",
    "Qwen3",
    "hf:",
    "hf",
    "llama:x",
    "vllm:",
    "vllm:http://h#",
    "gemini:",
    "tiktoken",
    "a/b/c",
    "./Org/Tiny",
    "Org/Tiny@",
  ])("rejects %j, listing the accepted forms", (spec) => {
    expect(() => parseTokenizerSpec(spec)).toThrow(ConfigError);
    expect(() => parseTokenizerSpec(spec)).toThrow(TOKENIZER_SPEC_FORMS[1]);
  });

  it("rejects an unknown tiktoken encoding by name", () => {
    expect(() => parseTokenizerSpec("tiktoken:cl200k")).toThrow(
      /Unknown tiktoken encoding "cl200k".*o200k_base/,
    );
  });
});

describe("resolveTokenizer", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kc-resolve-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("qwen3 and hf: on the bundled file share an id", async () => {
    const qwen3 = await resolveTokenizer("qwen3");
    const hf = await resolveTokenizer(`hf:${qwen3TokenizerPath()}`);
    expect(qwen3.id).toMatch(/^hf:[0-9a-f]{16}$/);
    expect(hf.id).toBe(qwen3.id);
    expect(qwen3.name).toBe("qwen3");
    expect(qwen3.newlineAdditive).toBe(true);
  });

  it.each([
    ["tiktoken:cl100k_base", "tiktoken:cl100k_base", true],
    ["tiktoken:gpt2", "tiktoken:gpt2", false],
    ["approx", "approx", false],
  ])("%s has id %s and newlineAdditive %s", async (spec, id, additive) => {
    const counter = await resolveTokenizer(spec);
    expect(counter.id).toBe(id);
    expect(counter.newlineAdditive).toBe(additive);
  });

  it("loads a SentencePiece model", async () => {
    const counter = await resolveTokenizer(`sentencepiece:${SPM}`);
    expect(counter.id).toMatch(/^spm:[0-9a-f]{16}$/);
    expect(await counter.count("Hello world.")).toBe(11);
    await counter.close();
  });

  it.each(["hf", "sentencepiece"])("names a missing %s file", async (kind) => {
    const missing = join(dir, "missing.file");
    await expect(resolveTokenizer(`${kind}:${missing}`)).rejects.toThrow(ConfigError);
    await expect(resolveTokenizer(`${kind}:${missing}`)).rejects.toThrow(`"${missing}"`);
  });

  it("names the Hugging Face cache folder for a model that is in neither the cache nor the working folder", async () => {
    const hub = join(dir, "hub");
    const failure = resolveTokenizer("Org/Absent", { env: { HF_HUB_CACHE: hub } });
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(`"${join(hub, "models--Org--Absent")}": no such folder`);
  });

  it("loads an existing local path named like ORG/NAME rather than the cache", async () => {
    // "test/fixtures" (relative to the working folder) is a folder without a tokenizer.json; a cached
    // test/fixtures model must not be used instead.
    const hub = join(dir, "hub-local-wins");
    const snapshot = join(hub, "models--test--fixtures", "snapshots", "abc123");
    await mkdir(snapshot, { recursive: true });
    await copyFile(qwen3TokenizerPath(), join(snapshot, "tokenizer.json"));
    await mkdir(join(hub, "models--test--fixtures", "refs"));
    await writeFile(join(hub, "models--test--fixtures", "refs", "main"), "abc123");
    await expect(resolveTokenizer("hf:test/fixtures", { env: { HF_HUB_CACHE: hub } })).rejects.toThrow(
      "Cannot find a tokenizer in folder",
    );
    expect((await resolveTokenizer("hf:test/fixtures@main", { env: { HF_HUB_CACHE: hub } })).name).toBe(
      "hf:test/fixtures@main",
    );
  });

  it("needs GEMINI_API_KEY for gemini:", async () => {
    await expect(resolveTokenizer("gemini:gemini-2.5-flash", { env: {} })).rejects.toThrow(ConfigError);
    await expect(
      resolveTokenizer("gemini:gemini-2.5-flash", { env: { GEMINI_API_KEY: "" } }),
    ).rejects.toThrow("GEMINI_API_KEY");
  });

  it("makes no request when building a remote counter", async () => {
    let calls = 0;
    const counter = await resolveTokenizer("vllm:http://127.0.0.1:9#m", {
      fetch: async () => {
        calls++;
        throw new Error("unexpected");
      },
    });
    expect(counter.id).toBe("vllm:http://127.0.0.1:9#m");
    expect(calls).toBe(0);
  });
});
