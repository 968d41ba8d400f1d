import { describe, expect, it } from "vitest";
import { createApproxCounter } from "../../src/tokenizer/approx.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";
import { counterServices, counterShape, ThreadCounter } from "../../src/tokenizer/thread-counter.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

/** A ThreadCounter whose requests reach `counter`'s services directly (as the worker pool carries them). */
function mirror(counter: TokenCounter): { thread: ThreadCounter; asked: string[][] } {
  const services = counterServices(counter);
  const asked: string[][] = [];
  const ask = async <R>(method: string, payload: unknown): Promise<R> => {
    if (method === "counter.countBatch") asked.push(payload as string[]);
    const service = services[method] as (p: unknown) => unknown;
    return (await service(payload)) as R;
  };
  return { thread: new ThreadCounter(counterShape(counter), ask), asked };
}

const TEXTS = [
  "Passage 1:\nThe Eiffel Tower is in Paris.",
  "<|im_start|>user\nWho built it?<|im_end|>\n<|im_start|>assistant\n",
  "Key 9f8e-77 → value 0a1b-c2 ✓ naïve café",
  "",
];

describe("ThreadCounter", () => {
  it("counts, counts short texts and encodes exactly as the counter it mirrors (qwen3)", async () => {
    const qwen = await resolveTokenizer("qwen3");
    const { thread, asked } = mirror(qwen);
    expect(thread.id).toBe(qwen.id);
    expect(thread.newlineAdditive).toBe(qwen.newlineAdditive);
    expect(thread.chatTemplate).toEqual(qwen.chatTemplate);
    expect(thread.pieceRule).toBeDefined();
    expect(await thread.countBatch(TEXTS)).toEqual(await qwen.countBatch(TEXTS));
    expect(await thread.count(TEXTS[0] as string)).toBe(await qwen.count(TEXTS[0] as string));
    expect(await thread.encode(TEXTS[1] as string)).toEqual(await qwen.encode(TEXTS[1] as string));
    // Short texts: split in this thread, and only pre-tokens not seen before are asked for.
    const direct = await qwen.countBatch(TEXTS);
    asked.length = 0;
    expect(await thread.countShort?.(TEXTS)).toEqual(direct);
    const first = asked.flat();
    expect(first).toContain("<|im_start|>");
    expect(first.every((p) => p.length < 20)).toBe(true);
    asked.length = 0;
    expect(await thread.countShort?.(TEXTS)).toEqual(direct);
    expect(asked).toEqual([]);
    await qwen.close();
  });

  it("mirrors a counter without a pre-token rule: short texts are counted there", async () => {
    const approx = createApproxCounter();
    const { thread } = mirror(approx);
    expect(thread.pieceRule).toBeUndefined();
    expect(thread.countShort === undefined).toBe(approx.countShort === undefined);
    expect(await thread.countBatch(TEXTS)).toEqual(await approx.countBatch(TEXTS));
  });
});
