import type { Rng } from "../rng.js";

/** Syllable parts; the empty strings make vowel-initial and open syllables more frequent. */
const ONSETS = [..."b br d dr f g gr h k kr l m n p r s sk t th v vr z st ch y".split(" "), "", "", ""];
const VOWELS = "a e i o u ae io ei ou y ai a e o".split(" ");
const CODAS = [..."n r l s m th rn sk nd v x k lt st".split(" "), "", "", ""];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)] as T;
}

/** A capitalised made-up word of `syllables` syllables, e.g. `Vraelth`, `Korvane`. */
export function word(rng: Rng, syllables = rng.int(4) === 0 ? 3 : 2): string {
  let w = "";
  for (let i = 0; i < syllables; i++) {
    const coda = i === syllables - 1 || rng.int(4) === 0 ? pick(rng, CODAS) : "";
    w += pick(rng, ONSETS) + pick(rng, VOWELS) + coda;
  }
  if (w.length < 4) w += pick(rng, ["n", "ra", "el", "os"]);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** A person's name parts; `full` is how the person is referred to everywhere. */
export interface PersonName {
  full: string;
  /** Surname, for later mentions inside the person's own paragraph. */
  short: string;
}

/** A made-up person's name: `Jorun Varlo`, `Jorun K. Varlo` or, now and then, initials: `J. K. Varlo`. */
export function personName(rng: Rng): PersonName {
  const given = word(rng, 2);
  const surname = word(rng);
  const initial = String.fromCharCode(65 + rng.int(26));
  const r = rng.float();
  if (r < 0.1) return { full: `${given.charAt(0)}. ${initial}. ${surname}`, short: surname };
  if (r < 0.35) return { full: `${given} ${initial}. ${surname}`, short: surname };
  return { full: `${given} ${surname}`, short: surname };
}

/** `www.valdor-press.example`-style host for a name (the reserved `.example` domain: never a real site). */
export function website(name: string, suffix = ""): string {
  const slug = name
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `www.${slug}${suffix}.example`;
}

/**
 * Hands out names that no other entity of the world has (compared case-insensitively), so that a name in
 * a question points at exactly one document.
 */
export class NameRegistry {
  private readonly used = new Set<string>();

  /** Draw with `make` until the name is new; register and return it. */
  unique<T extends string | PersonName>(make: () => T): T {
    for (;;) {
      const candidate = make();
      const key = (typeof candidate === "string" ? candidate : candidate.full).toLowerCase();
      if (this.used.has(key)) continue;
      this.used.add(key);
      return candidate;
    }
  }
}
