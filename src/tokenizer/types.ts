import type { TokenizerChatTemplate } from "./chat-config.js";

/**
 * A token counter. All counting excludes special tokens (no BOS/EOS, no chat template).
 * Methods are async because the fast backends batch on native threads and some count remotely.
 */
export interface TokenCounter {
  /** Stable identity used in cache keys: backend plus a content hash of the model file or the model name,
   * e.g. `hf:3f2a…`, `tiktoken:cl100k_base`, `approx`. Two counters with the same id count identically. */
  readonly id: string;
  /** Human name for messages, e.g. `qwen3`, `hf:./tok/tokenizer.json`. */
  readonly name: string;
  /**
   * True when the counter is provably additive at "newline boundaries": for any strings `a`, `b` where `a`
   * ends with `"\n"` and `b` starts with a non-whitespace character, `count(a + b) === count(a) + count(b)`.
   * This holds for byte-level BPE tokenizers whose pre-tokenizer regex keeps newline runs in their own piece
   * (Qwen2/Qwen3, Llama 3, cl100k): no pre-token spans such a boundary, and merges never cross pre-tokens.
   * It does NOT hold for the GPT-2 pattern (gpt2, r50k, p50k, HF ByteLevel with use_regex): `"x\n\ny"` is
   * split differently from `"x\n\n"` + `"y"`; nor for o200k, whose `[\r\n/]*` lets a newline run continue
   * into a `/`. The verdict is derived from the pattern (see `additivity.ts`) and property-tested.
   * Backends that cannot promise it return false, and callers verify by counting the whole text.
   */
  readonly newlineAdditive: boolean;
  /** Token counts of many texts; order kept. Implementations batch internally. */
  countBatch(texts: readonly string[]): Promise<number[]>;
  count(text: string): Promise<number>;
  /**
   * Optional fast path with the same results as `countBatch`, for many short texts that share pieces
   * (KeyChain pairs): counts per pre-token and remembers each pre-token's count.
   */
  countShort?(texts: readonly string[]): Promise<number[]>;
  /**
   * How `countShort` splits texts into pre-tokens, when it does: a counter on another thread that asks this
   * one to count (see thread-counter.ts) then keeps its own memo of pre-tokens and asks only for new ones.
   */
  readonly pieceRule?: PieceRule | undefined;
  /** Token ids (no special tokens). Remote counters may not support it and then throw. */
  encode(text: string): Promise<number[]>;
  /**
   * The chat template shipped with the tokenizer (Hugging Face folders: `chat_template.jinja` or
   * `tokenizer_config.json`); undefined when it has none or the backend cannot know it.
   */
  readonly chatTemplate?: TokenizerChatTemplate | undefined;
  /** Release native or network resources. */
  close(): Promise<void>;
}

/**
 * How a a pre-token memo (piece-memo.ts) splits texts: its pre-token pattern (a `gu` RegExp source), the tokenizer's added
 * tokens, and whether the tokenizer normalises to NFC. Plain data, so a memo on another thread splits the same
 * way.
 */
export interface PieceRule {
  pattern: string;
  addedTokens: readonly string[];
  /**
   * The added tokens are matched as they are written, alone (no `lstrip`/`rstrip`/`single_word`, not
   * normalised): a text holding one is then its parts between them, each one counted on its own, plus one
   * token for each. Otherwise such a text is counted directly.
   */
  plainAdded: boolean;
  nfc: boolean;
}
