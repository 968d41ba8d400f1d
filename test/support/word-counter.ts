import type { TokenCounter } from "../../src/tokenizer/types.js";

/**
 * A test tokenizer: one token per run of non-whitespace characters. It is newline-additive (a "\n" always
 * separates runs), counts are easy to reason about, and it needs no model file.
 */
export function wordCounter(): TokenCounter & { calls: number; texts: number } {
  const count = (t: string) => (t.match(/\S+/g) ?? []).length;
  const c = {
    id: "test:words",
    name: "words",
    newlineAdditive: true,
    calls: 0,
    texts: 0,
    async countBatch(texts: readonly string[]) {
      c.calls++;
      c.texts += texts.length;
      return texts.map(count);
    },
    async count(t: string) {
      return count(t);
    },
    async encode(t: string) {
      return (t.match(/\S+/g) ?? []).map((_, i) => i);
    },
    async close() {},
  };
  return c;
}
