import { ConfigError } from "../errors.js";
import type { Rng } from "../rng.js";

/**
 * Where a sample's own documents go among the fillers. Drawn per sample from that sample's RNG (the original
 * reused one fixed permutation for every sample, so evidence sat in the same slots every time).
 * - `shuffle`: uniform random order of all documents.
 * - `gaussian`: the question's own documents at positions drawn from a normal distribution around the middle
 *   (the original's "core gaussian middle": sigma 0.30, clamp 0.95 on a [-clamp, clamp] axis).
 * - `depth`: the gold documents, consecutive, at a relative depth (0 = start, 100 = end).
 * - `relevant-only`: the gold documents alone, no fillers.
 */
export type Placement =
  | { kind: "shuffle" }
  | { kind: "gaussian"; sigma: number; clamp: number }
  | { kind: "depth"; percent: number }
  | { kind: "relevant-only" };

export const DEFAULT_GAUSSIAN = { sigma: 0.3, clamp: 0.95 } as const;

export function parsePlacement(spec: string): Placement {
  const [kind, arg] = splitOnce(spec.trim(), ":");
  switch (kind) {
    case "shuffle":
      if (arg !== undefined) break;
      return { kind: "shuffle" };
    case "relevant-only":
      if (arg !== undefined) break;
      return { kind: "relevant-only" };
    case "gaussian": {
      if (arg === undefined) return { kind: "gaussian", ...DEFAULT_GAUSSIAN };
      const parts = arg.split(",").map((s) => Number(s));
      const sigma = parts[0];
      const clamp = parts[1] ?? DEFAULT_GAUSSIAN.clamp;
      if (parts.length > 2 || sigma === undefined || !(sigma > 0) || !(clamp > 0)) break;
      return { kind: "gaussian", sigma, clamp };
    }
    case "depth": {
      const percent = Number(arg);
      if (arg === undefined || arg === "" || !(percent >= 0 && percent <= 100)) break;
      return { kind: "depth", percent };
    }
  }
  throw new ConfigError(
    `Unknown placement ${JSON.stringify(spec)}: use shuffle, gaussian[:sigma,clamp] (e.g. gaussian:0.3,0.95), depth:P (P in 0..100) or relevant-only`,
  );
}

export function formatPlacement(p: Placement): string {
  switch (p.kind) {
    case "gaussian":
      return `gaussian:${p.sigma},${p.clamp}`;
    case "depth":
      return `depth:${p.percent}`;
    default:
      return p.kind;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Order a sample's documents. `core` are the question's own documents kept in the sample (gold first is not
 * required), `gold` the subset that must be placed by `depth`, `fillers` the rest. Returns doc ids in passage
 * order. Pure given the RNG.
 */
export function placeDocuments(
  placement: Placement,
  core: readonly number[],
  gold: ReadonlySet<number>,
  fillers: readonly number[],
  rng: Rng,
): number[] {
  switch (placement.kind) {
    case "shuffle":
    case "relevant-only":
      return rng.shuffle([...core, ...fillers]);
    case "depth": {
      const goldDocs = rng.shuffle(core.filter((d) => gold.has(d)));
      const others = rng.shuffle([...core.filter((d) => !gold.has(d)), ...fillers]);
      const at = Math.round((placement.percent / 100) * others.length);
      return [...others.slice(0, at), ...goldDocs, ...others.slice(at)];
    }
    case "gaussian": {
      const total = core.length + fillers.length;
      const positions = gaussianPositions(total, core.length, placement.sigma, placement.clamp, rng);
      const coreOrder = rng.shuffle(core.slice());
      const fillerOrder = rng.shuffle(fillers.slice());
      const out = new Array<number>(total);
      const taken = new Uint8Array(total);
      positions.forEach((pos, k) => {
        out[pos] = coreOrder[k] as number;
        taken[pos] = 1;
      });
      let f = 0;
      for (let i = 0; i < total; i++) if (!taken[i]) out[i] = fillerOrder[f++] as number;
      return out;
    }
  }
}

/**
 * `count` distinct slots in [0, total) drawn from a normal distribution around the middle, as the original's
 * `biased_positions_for_core` (x ~ N(0, sigma) clamped to ±clamp, mapped linearly onto the slots), topped up
 * uniformly when 50×count draws did not find enough distinct slots. Sorted ascending.
 */
export function gaussianPositions(
  total: number,
  count: number,
  sigma: number,
  clamp: number,
  rng: Rng,
): number[] {
  const chosen = new Set<number>();
  const maxAttempts = 50 * count;
  for (let attempts = 0; chosen.size < count && attempts < maxAttempts; attempts++) {
    const x = Math.max(-clamp, Math.min(clamp, rng.gauss(0, sigma)));
    chosen.add(Math.trunc(((x + clamp) / (2 * clamp)) * (total - 1)));
  }
  while (chosen.size < count) chosen.add(rng.int(total));
  return [...chosen].sort((a, b) => a - b);
}
