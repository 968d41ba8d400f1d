import { createHash } from "node:crypto";

/**
 * A small, fast, seedable PRNG (sfc32, 128-bit state). Every function that draws takes one of these as a
 * parameter; nothing in the library uses Math.random.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** An RNG seeded from any list of parts (numbers and strings), via SHA-256 of their JSON. */
  static derive(...parts: readonly (string | number)[]): Rng {
    const h = createHash("sha256").update(JSON.stringify(parts)).digest();
    return new Rng(h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12));
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 53 bits. */
  float(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). n must be a positive integer ≤ 2^53. Unbiased (rejection). */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n))
      throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= 0x100000000) {
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return x % n;
      }
    }
    for (;;) {
      const x = Math.floor(this.float() * n);
      if (x < n) return x;
    }
  }

  /** Standard normal deviate (Box–Muller, no caching so draws stay independent of call history). */
  gauss(mean = 0, sigma = 1): number {
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    return mean + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i] as T;
      items[i] = items[j] as T;
      items[j] = t;
    }
    return items;
  }

  /** k distinct items drawn without replacement, in draw order. */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.sampleIndices(items.length, k).map((i) => items[i] as T);
  }

  /** k distinct indices of a population of n, drawn as {@link sample} draws its items. */
  sampleIndices(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`Rng.sample: k=${k} > population ${n}`);
    if (k * 4 < n) {
      const seen = new Set<number>();
      const out: number[] = [];
      while (out.length < k) {
        const i = this.int(n);
        if (seen.has(i)) continue;
        seen.add(i);
        out.push(i);
      }
      return out;
    }
    return this.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k);
  }

  /** 16 random bytes. */
  bytes16(): Uint8Array {
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) {
      const x = this.nextU32();
      out[i] = x & 0xff;
      out[i + 1] = (x >>> 8) & 0xff;
      out[i + 2] = (x >>> 16) & 0xff;
      out[i + 3] = (x >>> 24) & 0xff;
    }
    return out;
  }
}
