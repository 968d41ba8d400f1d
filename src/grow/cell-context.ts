import type { CorpusMemo } from "../run/corpus-memo.js";
import type { GrowConfig } from "./config.js";
import type { GrowDeps, GrowEvent } from "./deps.js";
import type { ExistingSet } from "./existing.js";
import type { LoadedGrowDataset } from "./load-dataset.js";
import type { ManifestCell, ManifestDataset } from "./manifest.js";

/** Everything the work on one data set × length shares: the run's config and deps, and its manifest entries. */
export interface CellContext {
  config: GrowConfig;
  deps: GrowDeps;
  /** The data set's corpus, read and token-counted once for all its lengths and rounds. */
  memo: CorpusMemo;
  ds: LoadedGrowDataset;
  /** The data set's manifest entry (its cursor moves as windows are allocated). */
  dsEntry: ManifestDataset;
  /** The cell's manifest entry, updated as stages finish. */
  cell: ManifestCell;
  /** The existing set of the cell's length. */
  existing: ExistingSet;
  /** Writes the manifest, atomically. */
  save: () => Promise<void>;
  /** The time, as the manifest records it (ISO 8601). */
  now: () => string;
  emit: (e: GrowEvent) => void;
  /** A path as the manifest records it: relative to the out folder. */
  rel: (p: string) => string;
  /** A path the manifest records, made usable: under the out folder. */
  abs: (p: string) => string;
}

/** A cell that cannot reach its target with the current settings (not a crash: other cells go on). */
export class CellFailure extends Error {}
