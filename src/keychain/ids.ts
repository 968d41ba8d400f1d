import type { Documents } from "../compose/documents.js";
import { ConfigError } from "../errors.js";
import type { Rng } from "../rng.js";

/**
 * Key formats. `uuid`: a version-4 UUID drawn from the seeded RNG (reproducible, unlike the original's
 * `uuid4()`), the original's `default`. `hex:N`: N lowercase hex characters (the original's `default_N`).
 * `nano:N`: N characters of the nanoid alphabet `_-0-9a-zA-Z`.
 */
export type IdFormat = { kind: "uuid" } | { kind: "hex"; length: number } | { kind: "nano"; length: number };

const NANO_ALPHABET = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const HEX = "0123456789abcdef";

export function parseIdFormat(spec: string): IdFormat {
  const s = spec.trim();
  if (s === "uuid") return { kind: "uuid" };
  const m = /^(hex|nano):(\d+)$/.exec(s);
  if (m) {
    const length = Number(m[2]);
    const max = m[1] === "hex" ? 32 : 64;
    if (length >= 1 && length <= max) return { kind: m[1] as "hex" | "nano", length };
  }
  throw new ConfigError(
    `Bad id format ${JSON.stringify(spec)}: use uuid, hex:N (1 ≤ N ≤ 32) or nano:N (1 ≤ N ≤ 64)`,
  );
}

export function formatIdFormat(f: IdFormat): string {
  return f.kind === "uuid" ? "uuid" : `${f.kind}:${f.length}`;
}

/** The original's file-name spelling: `default`, `default_8`, `nano_21`. */
export function idFormatFileTag(f: IdFormat): string {
  return f.kind === "uuid" ? "default" : f.kind === "hex" ? `default_${f.length}` : `nano_${f.length}`;
}

/** log2 of the number of distinct ids of a format. */
export function idSpaceBits(f: IdFormat): number {
  return f.kind === "uuid" ? 122 : f.kind === "hex" ? 4 * f.length : 6 * f.length;
}

/**
 * Refuse formats too small for the ids an instance needs: with more than 1 % of the space in use, unique
 * draws get slow and ids start to look alike; the original's `default_8` with 2,048 ids per 128K sample was
 * already at a 5·10⁻⁴ collision risk without any check.
 */
export function assertIdSpace(f: IdFormat, needed: number): void {
  const bits = idSpaceBits(f);
  if (bits < 60 && needed > 2 ** bits / 100)
    throw new ConfigError(
      `${formatIdFormat(f)} is too short to be unique: it has ${2 ** bits} values and an instance needs ${needed} ids; use a longer format (e.g. hex:8 or uuid)`,
    );
}

/** One id drawn from the RNG. */
export function drawId(f: IdFormat, rng: Rng): string {
  if (f.kind === "uuid") {
    const b = rng.bytes16();
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  const alphabet = f.kind === "hex" ? HEX : NANO_ALPHABET;
  let out = "";
  for (let i = 0; i < f.length; i++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

/** `count` distinct ids, none in `avoid`. */
export function drawIds(
  f: IdFormat,
  rng: Rng,
  count: number,
  avoid: ReadonlySet<string> = new Set(),
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    const id = drawId(f, rng);
    if (seen.has(id) || avoid.has(id)) continue;
    seen.add(id);
    out.push(id);
  }
  return out;
}

/**
 * The ids among `ids` that occur in `text`. One pass over the text: every maximal run of the format's
 * characters is cut into windows of the id length, looked up in a set (O(text) rather than O(ids × text)).
 */
export function idsOccurringIn(f: IdFormat, ids: readonly string[], text: string): string[] {
  const wanted = new Set(ids);
  const length = f.kind === "uuid" ? 36 : f.length;
  const run = f.kind === "uuid" ? /[0-9a-f-]{36,}/g : f.kind === "hex" ? /[0-9a-f]+/g : /[\w-]+/g;
  const found = new Set<string>();
  for (const m of text.matchAll(run)) {
    const s = m[0];
    if (s.length < length) continue;
    for (let i = 0; i + length <= s.length; i++) {
      const w = s.slice(i, i + length);
      if (wanted.has(w)) found.add(w);
    }
  }
  return [...found];
}

/**
 * Per-document memo of "could this document contain an id of the format": documents without any run of the
 * format's characters as long as an id are never scanned again. Fillers repeat across instances, so at 128K
 * the per-instance scan drops from the whole context to the few documents that have such runs.
 */
export class IdScreen {
  private readonly state: Uint8Array;
  private readonly run: RegExp;
  private readonly length: number;

  constructor(
    private readonly format: IdFormat,
    private readonly docs: Documents,
  ) {
    this.state = new Uint8Array(docs.length);
    this.length = format.kind === "uuid" ? 36 : format.length;
    this.run =
      format.kind === "uuid"
        ? /[0-9a-f-]{36,}/
        : format.kind === "hex"
          ? new RegExp(`[0-9a-f]{${this.length},}`)
          : new RegExp(`[\\w-]{${this.length},}`);
  }

  /** The ids among `ids` that occur in any of the documents or in `extra` text. */
  occurring(ids: readonly string[], docIds: readonly number[], extra: string): string[] {
    const found = new Set(idsOccurringIn(this.format, ids, extra));
    for (const d of docIds) {
      let st = this.state[d];
      if (st === 0) {
        st = this.run.test(this.docs.at(d) as string) ? 2 : 1;
        this.state[d] = st;
      }
      if (st === 2)
        for (const id of idsOccurringIn(this.format, ids, this.docs.at(d) as string)) found.add(id);
    }
    return [...found];
  }
}
