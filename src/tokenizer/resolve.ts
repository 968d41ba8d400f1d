/** From a tokenizer spec string (`qwen3`, `hf:PATH`, `tiktoken:cl100k_base`, …) to a `TokenCounter`. */

import { ConfigError } from "../errors.js";
import { createApproxCounter } from "./approx.js";
import { loadQwen3 } from "./bundled.js";
import { loadHfTokenizer } from "./hf.js";
import { type HfRepoRef, locateHfTokenizer, parseHfRepoRef } from "./hf-cache.js";
import type { RemoteCounterOptions } from "./remote.js";
import { createGeminiCounter, DEFAULT_GEMINI_BASE_URL } from "./remote-gemini.js";
import { createVllmCounter } from "./remote-vllm.js";
import { loadSentencePiece } from "./sentencepiece.js";
import { loadTiktoken, TIKTOKEN_ENCODINGS } from "./tiktoken.js";
import type { TokenCounter } from "./types.js";

export const DEFAULT_TOKENIZER_SPEC = "qwen3";

/**
 * A parsed spec. An `hf` spec whose path reads as `ORG/NAME[@REVISION]` (and a bare `ORG/NAME[@REVISION]`)
 * carries `repo`: it is loaded from that local path when one exists, else from the local Hugging Face cache.
 */
export type TokenizerSpec =
  | { kind: "qwen3" }
  | { kind: "hf"; path: string; repo?: HfRepoRef }
  | { kind: "tiktoken"; encoding: string }
  | { kind: "sentencepiece"; path: string }
  | { kind: "approx" }
  | { kind: "vllm"; url: string; model: string | undefined }
  | { kind: "gemini"; model: string };

/** The accepted spec forms, for help texts and error messages. */
export const TOKENIZER_SPEC_FORMS: readonly string[] = [
  "qwen3 (the default: the Qwen3 tokenizer.json bundled with the package)",
  "hf:PATH (a tokenizer.json file, or a folder containing one)",
  "ORG/NAME[@REVISION] or hf:ORG/NAME[@REVISION] (a model already in the local Hugging Face cache, e.g. Qwen/Qwen3-8B; never downloads)",
  `tiktoken:ENCODING (${TIKTOKEN_ENCODINGS.join(", ")})`,
  "sentencepiece:MODEL (a SentencePiece .model file)",
  "approx (ceil(characters / 4), for quick dry runs)",
  "vllm:URL or vllm:URL#MODEL (a vLLM server's POST /tokenize; key from VLLM_API_KEY if set)",
  "gemini:MODEL (Gemini countTokens; key from GEMINI_API_KEY)",
];

/** Parses a spec without touching files or the network. Throws `ConfigError` listing the forms. */
export function parseTokenizerSpec(spec: string): TokenizerSpec {
  if (spec === "qwen3") return { kind: "qwen3" };
  if (spec === "approx") return { kind: "approx" };
  const colon = spec.indexOf(":");
  if (colon < 0) {
    const repo = parseHfRepoRef(spec);
    if (repo) return { kind: "hf", path: spec, repo };
  }
  const prefix = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  const hasRest = colon >= 0 && rest !== "";
  switch (prefix) {
    case "hf":
      if (hasRest) {
        const repo = parseHfRepoRef(rest);
        return repo ? { kind: "hf", path: rest, repo } : { kind: "hf", path: rest };
      }
      break;
    case "tiktoken":
      if (hasRest) {
        if (!TIKTOKEN_ENCODINGS.includes(rest)) {
          throw new ConfigError(
            `Unknown tiktoken encoding "${rest}" in tokenizer "${spec}": expected one of ${TIKTOKEN_ENCODINGS.join(", ")}`,
          );
        }
        return { kind: "tiktoken", encoding: rest };
      }
      break;
    case "sentencepiece":
      if (hasRest) return { kind: "sentencepiece", path: rest };
      break;
    case "vllm":
      if (hasRest) {
        const hash = rest.lastIndexOf("#");
        const url = hash < 0 ? rest : rest.slice(0, hash);
        const model = hash < 0 ? undefined : rest.slice(hash + 1);
        if (url !== "" && model !== "") return { kind: "vllm", url, model };
      }
      break;
    case "gemini":
      if (hasRest) return { kind: "gemini", model: rest };
      break;
  }
  throw new ConfigError(
    `Unknown tokenizer "${spec}". Accepted forms:\n${TOKENIZER_SPEC_FORMS.map((form) => `  ${form}`).join("\n")}`,
  );
}

export interface ResolveTokenizerOptions {
  /**
   * Environment for API keys, `GEMINI_BASE_URL` and the Hugging Face cache folder (`HF_HUB_CACHE`, `HF_HOME`,
   * `XDG_CACHE_HOME`; see `hfHubCache`). @default process.env
   */
  env?: Record<string, string | undefined>;
  /** `fetch` for remote counters. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Gemini API root. @default env GEMINI_BASE_URL, else "https://generativelanguage.googleapis.com" */
  geminiBaseUrl?: string;
  /** Concurrency, timeout, retry policy and abort signal of remote counters (defaults: 8, 30 s, 4 retries). */
  remote?: Omit<RemoteCounterOptions, "fetch">;
}

/**
 * Builds the counter a spec names. Local files are read and hashed now (missing file → `ConfigError`
 * naming the path); `ORG/NAME` is read from the local Hugging Face cache, never downloaded (not there →
 * `ConfigError` naming every folder looked in); remote counters make no request until used.
 */
export async function resolveTokenizer(
  spec: string,
  options: ResolveTokenizerOptions = {},
): Promise<TokenCounter> {
  const parsed = parseTokenizerSpec(spec);
  const env = options.env ?? process.env;
  const remote: RemoteCounterOptions = {
    ...options.remote,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  switch (parsed.kind) {
    case "qwen3":
      return loadQwen3();
    case "hf": {
      if (parsed.repo === undefined) return loadHfTokenizer(parsed.path);
      const found = await locateHfTokenizer(parsed.path, parsed.repo, { env });
      return loadHfTokenizer(found.path, { name: found.name });
    }
    case "tiktoken":
      return loadTiktoken(parsed.encoding);
    case "sentencepiece":
      return loadSentencePiece(parsed.path);
    case "approx":
      return createApproxCounter();
    case "vllm": {
      const apiKey = env.VLLM_API_KEY || undefined;
      return createVllmCounter({ ...remote, url: parsed.url, model: parsed.model, apiKey });
    }
    case "gemini": {
      const apiKey = env.GEMINI_API_KEY;
      if (!apiKey) {
        throw new ConfigError(
          `Tokenizer "${spec}" needs a Gemini API key: set the environment variable GEMINI_API_KEY`,
        );
      }
      const baseUrl = options.geminiBaseUrl ?? (env.GEMINI_BASE_URL || DEFAULT_GEMINI_BASE_URL);
      return createGeminiCounter({ ...remote, model: parsed.model, apiKey, baseUrl });
    }
  }
}
