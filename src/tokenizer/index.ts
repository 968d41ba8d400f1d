/** Public surface of the tokenizer layer. */

// `HttpOptions.retry` is a `RetryPolicy`; re-exported from the one retry policy in `../net/retry.ts`.
export { DEFAULT_RETRY_POLICY, type RequestFailure, type RetryPolicy, retryDelay } from "../net/retry.js";
export { type AdditivityVerdict, analysePattern, analyseTokenizerJson } from "./additivity.js";
export { approxTokens, createApproxCounter } from "./approx.js";
export { loadQwen3, qwen3TokenizerPath } from "./bundled.js";
export {
  HF_CALLS_IN_FLIGHT,
  HF_CHUNK_SIZE,
  type HfTokenCounter,
  type HfTokenizerOptions,
  loadHfTokenizer,
} from "./hf.js";
export {
  type HfHubCache,
  type HfHubCacheSource,
  type HfRepoRef,
  type HfTokenizerLocation,
  hfHubCache,
  type LocateHfTokenizerOptions,
  locateHfTokenizer,
  parseHfRepoRef,
} from "./hf-cache.js";
export { DEFAULT_TIMEOUT_MS, type HttpOptions } from "./http.js";
export { DEFAULT_CONCURRENCY, type RemoteCounterOptions } from "./remote.js";
export { createGeminiCounter, DEFAULT_GEMINI_BASE_URL, type GeminiCounterOptions } from "./remote-gemini.js";
export { createVllmCounter, type VllmCounterOptions } from "./remote-vllm.js";
export {
  DEFAULT_TOKENIZER_SPEC,
  parseTokenizerSpec,
  type ResolveTokenizerOptions,
  resolveTokenizer,
  TOKENIZER_SPEC_FORMS,
  type TokenizerSpec,
} from "./resolve.js";
export { loadSentencePiece, type SentencePieceOptions } from "./sentencepiece.js";
export { loadTiktoken, TIKTOKEN_ENCODINGS } from "./tiktoken.js";
export type { TokenCounter } from "./types.js";
