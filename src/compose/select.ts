import type { Rng } from "../rng.js";
import type { SizedCorpus } from "./sized-corpus.js";

/** What one sample's context is made of before placement. */
export interface Selection {
  /** The question's own documents kept: every gold document, then own non-gold ones that fit. */
  core: number[];
  fillers: number[];
  /** Estimated prompt tokens: `fixed + headers(n) + Σ units`. */
  estimate: number;
}

export interface SelectRequest {
  /** The question's own documents (source order, unique). */
  own: readonly number[];
  /** Gold documents (unique, subset of own). */
  gold: readonly number[];
  /** Prompt token budget (L − G). */
  budget: number;
  /** Tokens outside the passages (template prefix and suffix). */
  fixed: number;
  /** Add fillers and own non-gold documents (false for `relevant-only`). */
  fill: boolean;
}

/** Consecutive random draws that must fail to fit before switching to best-fit filling. */
const RANDOM_MISSES = 8;
/** Draws of an already-used document tolerated in a row before a phase gives up. */
const MAX_COLLISIONS = 64;

/**
 * Choose a sample's documents so that the estimated prompt fills the budget as fully as possible:
 * gold documents always; the question's other own documents when they fit; then uniformly random fillers
 * until random draws stop fitting; then best fit — random documents among those small enough for the slack
 * (binary search over the size-sorted index) until nothing fits. Returns a reason string when even the gold
 * documents do not fit. Pure given the RNG; O(documents chosen · log corpus).
 */
export function selectDocuments(sized: SizedCorpus, req: SelectRequest, rng: Rng): Selection | string {
  const units = sized.units;
  const core: number[] = [];
  let sum = 0;
  for (const d of req.gold) {
    core.push(d);
    sum += units[d] as number;
  }
  const goldTokens = req.fixed + sized.headers(core.length) + sum;
  if (goldTokens > req.budget) {
    return `gold documents need ${goldTokens} tokens with the prompt, over the budget of ${req.budget}`;
  }
  const fillers: number[] = [];
  if (req.fill) {
    const goldSet = new Set(req.gold);
    const fits = (d: number) => {
      const n = core.length + fillers.length + 1;
      return (
        n <= sized.headersKnown && req.fixed + sized.headers(n) + sum + (units[d] as number) <= req.budget
      );
    };
    for (const d of rng.shuffle(req.own.filter((x) => !goldSet.has(x)))) {
      if (fits(d)) {
        core.push(d);
        sum += units[d] as number;
      }
    }
    const used = new Set<number>(req.own);
    const total = sized.docs.length;
    const add = (d: number) => {
      used.add(d);
      fillers.push(d);
      sum += units[d] as number;
    };
    // Phase 1: uniform random fillers.
    let misses = 0;
    let collisions = 0;
    while (misses < RANDOM_MISSES && collisions < MAX_COLLISIONS && used.size < total) {
      const d = rng.int(total);
      if (used.has(d)) {
        collisions++;
        continue;
      }
      collisions = 0;
      if (fits(d)) {
        add(d);
        misses = 0;
      } else misses++;
    }
    // Phase 2: best fit among documents small enough for the remaining slack.
    collisions = 0;
    while (collisions < MAX_COLLISIONS && used.size < total) {
      const n = core.length + fillers.length + 1;
      if (n > sized.headersKnown) break;
      const slack = req.budget - req.fixed - sized.headers(n) - sum;
      const candidates = sized.countAtMost(slack);
      if (candidates === 0) break;
      const d = sized.bySize[rng.int(candidates)] as number;
      if (used.has(d)) {
        collisions++;
        continue;
      }
      collisions = 0;
      add(d);
    }
  }
  return { core, fillers, estimate: req.fixed + sized.headers(core.length + fillers.length) + sum };
}
