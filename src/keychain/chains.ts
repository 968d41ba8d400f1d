import { ConfigError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Pair } from "./pairs.js";

/**
 * How the true question is reached from the head key. `chain`: `hops` keys in a line, the last one's value is
 * the question (the original's layout: 3 key→key links then key→question). `tree`: the head branches into
 * `branching` children at every level for `hops` levels; one leaf's value is the question, the other leaves'
 * values are dead-end ids that are no key — a solver must explore branches (the original's unused tree).
 * Distractor routes are chains of the same length ending at other questions.
 */
export type Topology = { kind: "chain" } | { kind: "tree"; branching: number };

export function parseTopology(spec: string): Topology {
  if (spec === "chain") return { kind: "chain" };
  const m = /^tree(?::(\d+))?$/.exec(spec);
  const b = m ? Number(m[1] ?? 2) : Number.NaN;
  if (m && b >= 2 && b <= 8) return { kind: "tree", branching: b };
  throw new ConfigError(`Bad topology ${JSON.stringify(spec)}: use chain or tree[:B] with 2 ≤ B ≤ 8`);
}

export function formatTopology(t: Topology): string {
  return t.kind === "chain" ? "chain" : `tree:${t.branching}`;
}

/** Ids one instance needs: every key, plus the tree's dead-end values. */
export function idsNeeded(t: Topology, chains: number, hops: number): number {
  const distractorIds = (chains - 1) * hops;
  if (t.kind === "chain") return chains * hops;
  const leaves = t.branching ** (hops - 1);
  let keys = 0;
  for (let l = 0; l < hops; l++) keys += t.branching ** l;
  return keys + (leaves - 1) + distractorIds;
}

/** Pairs per instance. */
export function pairsNeeded(t: Topology, chains: number, hops: number): number {
  if (t.kind === "chain") return chains * hops;
  let links = 0;
  for (let l = 1; l < hops; l++) links += t.branching ** l;
  return links + t.branching ** (hops - 1) + (chains - 1) * hops;
}

export interface KeyRoutes {
  /** Every pair, true route first then distractors (shuffle before inserting). */
  pairs: Pair[];
  head: string;
  /** Keys from the head to the key whose value is the true question. */
  path: string[];
}

/**
 * Lay out the routes over pre-drawn unique ids (`idsNeeded` of them): the true route first, then
 * `chains − 1` distractor chains, one per distractor question. Pure given the RNG (used for the tree's
 * question leaf).
 */
export function buildRoutes(
  t: Topology,
  ids: readonly string[],
  chains: number,
  hops: number,
  question: string,
  distractors: readonly string[],
  rng: Rng,
): KeyRoutes {
  if (ids.length !== idsNeeded(t, chains, hops)) throw new RangeError("buildRoutes: wrong number of ids");
  if (distractors.length < chains - 1) throw new RangeError("buildRoutes: too few distractor questions");
  const pairs: Pair[] = [];
  let next = 0;
  const take = () => ids[next++] as string;
  let head: string;
  let path: string[];
  if (t.kind === "chain") {
    const keys = Array.from({ length: hops }, take);
    for (let i = 0; i + 1 < hops; i++) pairs.push({ key: keys[i] as string, value: keys[i + 1] as string });
    pairs.push({ key: keys[hops - 1] as string, value: question });
    head = keys[0] as string;
    path = keys;
  } else {
    // Levels of a complete B-ary tree, breadth first: node i's children are B·i+1 … B·i+B.
    const b = t.branching;
    let count = 0;
    for (let l = 0; l < hops; l++) count += b ** l;
    const nodes = Array.from({ length: count }, take);
    for (let i = 0; b * i + 1 < count; i++)
      for (let c = 1; c <= b; c++) pairs.push({ key: nodes[i] as string, value: nodes[b * i + c] as string });
    const firstLeaf = count - b ** (hops - 1);
    const winner = firstLeaf + rng.int(b ** (hops - 1));
    for (let i = firstLeaf; i < count; i++)
      pairs.push({ key: nodes[i] as string, value: i === winner ? question : take() });
    head = nodes[0] as string;
    path = [];
    for (let i = winner; ; i = Math.floor((i - 1) / b)) {
      path.unshift(nodes[i] as string);
      if (i === 0) break;
    }
  }
  for (let c = 1; c < chains; c++) {
    const keys = Array.from({ length: hops }, take);
    for (let i = 0; i + 1 < hops; i++) pairs.push({ key: keys[i] as string, value: keys[i + 1] as string });
    pairs.push({ key: keys[hops - 1] as string, value: distractors[c - 1] as string });
  }
  return { pairs, head, path };
}
