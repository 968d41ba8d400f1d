import { DifficultyAccumulator, type DifficultyStats } from "./difficulty-stats.js";
import { GROUP_KINDS, type GroupKind } from "./group-kind.js";
import { KeychainAccumulator, type KeychainStats } from "./keychain-stats.js";
import { RolloutAccumulator, type RolloutStats } from "./rollout-stats.js";
import { SampleAccumulator, type SampleStats } from "./sample-stats.js";
import { SftAccumulator, type SftStats } from "./sft-stats.js";
import { SkipAccumulator, type SkipStats } from "./skip-stats.js";

/** Everything known about one dataset × kind × target length. */
export interface GroupStats {
  dataset: string;
  kind: GroupKind;
  /** Target length L; `null` when the records carry none (SFT rows, filter rollouts). */
  length: number | null;
  samples: SampleStats | null;
  keychain: KeychainStats | null;
  skips: SkipStats | null;
  rollouts: RolloutStats | null;
  /** Rollout pass rate by evidence depth, hops and chains; `null` without rollouts. */
  difficulty: DifficultyStats | null;
  sft: SftStats | null;
}

/** The accumulators of one dataset × kind × target length, one per kind of statistics. */
export class GroupAccumulator {
  readonly samples = new SampleAccumulator();
  /** Fed for KeyChain groups only. */
  readonly keychain = new KeychainAccumulator();
  readonly skips = new SkipAccumulator();
  readonly rollouts = new RolloutAccumulator();
  /** Fed with every rollout record, next to {@link rollouts}. */
  readonly difficulty = new DifficultyAccumulator();
  readonly sft = new SftAccumulator();

  constructor(
    readonly dataset: string,
    readonly kind: GroupKind,
    readonly length: number | null,
  ) {}

  finish(): GroupStats {
    return {
      dataset: this.dataset,
      kind: this.kind,
      length: this.length,
      samples: this.samples.finish(this.length),
      keychain: this.keychain.finish(),
      skips: this.skips.finish(),
      rollouts: this.rollouts.finish(),
      difficulty: this.difficulty.finish(),
      sft: this.sft.finish(),
    };
  }
}

/** The groups met so far, by dataset × kind × target length. */
export class GroupTable {
  private readonly groups = new Map<string, GroupAccumulator>();

  /** The group of `dataset` × `kind` × `length`, created on first use. */
  of(dataset: string, kind: GroupKind, length: number | null): GroupAccumulator {
    const key = JSON.stringify([dataset, kind, length]);
    let g = this.groups.get(key);
    if (!g) {
      g = new GroupAccumulator(dataset, kind, length);
      this.groups.set(key, g);
    }
    return g;
  }

  /** Every group's statistics, sorted by dataset, then kind (plain first), then length (`null` last). */
  finish(): GroupStats[] {
    return [...this.groups.values()].sort(compareGroups).map((g) => g.finish());
  }
}

function compareGroups(a: GroupAccumulator, b: GroupAccumulator): number {
  if (a.dataset !== b.dataset) return a.dataset < b.dataset ? -1 : 1;
  if (a.kind !== b.kind) return GROUP_KINDS.indexOf(a.kind) - GROUP_KINDS.indexOf(b.kind);
  if (a.length === b.length) return 0;
  if (a.length === null) return 1;
  if (b.length === null) return -1;
  return a.length - b.length;
}
