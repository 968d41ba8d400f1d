/** Token counting with OpenAI's BPE encodings through `js-tiktoken` (pure JavaScript, ranks bundled). */

import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import { ConfigError } from "../errors.js";
import { analysePattern } from "./additivity.js";
import { SyncCounter } from "./sync-batch.js";
import type { TokenCounter } from "./types.js";

/** Each encoding's ranks, imported only when asked for (each is megabytes of JavaScript). */
const RANKS: Record<string, () => Promise<{ default: TiktokenBPE }>> = {
  cl100k_base: () => import("js-tiktoken/ranks/cl100k_base"),
  o200k_base: () => import("js-tiktoken/ranks/o200k_base"),
  p50k_base: () => import("js-tiktoken/ranks/p50k_base"),
  p50k_edit: () => import("js-tiktoken/ranks/p50k_edit"),
  r50k_base: () => import("js-tiktoken/ranks/r50k_base"),
  gpt2: () => import("js-tiktoken/ranks/gpt2"),
};

export const TIKTOKEN_ENCODINGS: readonly string[] = Object.keys(RANKS);

/**
 * A tiktoken counter. Special-token strings such as `<|endoftext|>` in the text are encoded as ordinary
 * text, never as special tokens. `newlineAdditive` follows from the encoding's split pattern (see
 * `analysePattern`): true for cl100k_base; false for o200k_base and the GPT-2 family (gpt2, r50k_base,
 * p50k_*), whose patterns let a pre-token run across the boundary.
 */
export async function loadTiktoken(encoding: string): Promise<TokenCounter> {
  const load = Object.hasOwn(RANKS, encoding) ? RANKS[encoding] : undefined;
  if (!load) {
    throw new ConfigError(
      `Unknown tiktoken encoding "${encoding}": expected one of ${TIKTOKEN_ENCODINGS.join(", ")}`,
    );
  }
  const ranks = (await load()).default;
  return new TiktokenCounter(new Tiktoken(ranks), encoding, analysePattern(ranks.pat_str).additive);
}

class TiktokenCounter extends SyncCounter implements TokenCounter {
  readonly id: string;
  readonly name: string;

  constructor(
    private readonly tiktoken: Tiktoken,
    encoding: string,
    readonly newlineAdditive: boolean,
  ) {
    super();
    this.id = `tiktoken:${encoding}`;
    this.name = `tiktoken:${encoding}`;
  }

  async close(): Promise<void> {}

  protected ids(text: string): number[] {
    // No special tokens allowed, none disallowed: `<|endoftext|>` in data is plain text.
    return this.tiktoken.encode(text, [], []);
  }
}
