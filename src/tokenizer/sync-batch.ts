/** Texts counted between yields to the event loop, so a long synchronous batch never blocks timers and I/O. */
const YIELD_EVERY = 256;

/** Count texts one by one with a synchronous encoder (JS or wasm tokenizers), yielding now and then. */
export async function countEachYielding(
  texts: readonly string[],
  ids: (text: string) => ArrayLike<number>,
): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    counts.push(ids(texts[i] as string).length);
  }
  return counts;
}

/** The counting half of a counter whose encoder is synchronous: subclasses supply `ids`. */
export abstract class SyncCounter {
  protected abstract ids(text: string): number[];

  async countBatch(texts: readonly string[]): Promise<number[]> {
    return countEachYielding(texts, (t) => this.ids(t));
  }

  async count(text: string): Promise<number> {
    return this.ids(text).length;
  }

  async encode(text: string): Promise<number[]> {
    return this.ids(text);
  }
}
