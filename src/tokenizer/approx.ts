/** A tokenizer-free estimate for quick dry runs: one token per four characters. */

import { ConfigError } from "../errors.js";
import type { TokenCounter } from "./types.js";

/**
 * `ceil(codePoints / 4)`, counting Unicode code points (an emoji or a CJK character is one character,
 * not two UTF-16 units). Not additive at any boundary (ceil rounds each part up), so `newlineAdditive`
 * is false. Has no token ids.
 */
export function approxTokens(text: string): number {
  return Math.ceil(codePointLength(text) / 4);
}

/** Number of Unicode code points; a lone surrogate counts as one. */
export function codePointLength(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return text.length - pairs;
}

export function createApproxCounter(): TokenCounter {
  return {
    id: "approx",
    name: "approx",
    newlineAdditive: false,
    countBatch: async (texts) => texts.map(approxTokens),
    count: async (text) => approxTokens(text),
    encode: async () => {
      throw new ConfigError("The approx tokenizer has no token ids; choose a real tokenizer (e.g. qwen3)");
    },
    close: async () => {},
  };
}
