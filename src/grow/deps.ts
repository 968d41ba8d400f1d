import type { StageDeps } from "../stages/deps.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { KeyField } from "./existing.js";
import type { ManifestCell, RoundStage } from "./manifest.js";

/** What a grow run needs from its caller. */
export interface GrowDeps {
  /** Tokenizer for plain synthesis. */
  counter: TokenCounter;
  /** Chat pool for rollouts. */
  pool: StageDeps["pool"];
  /** Stops rollouts; finished records stay in their journal. */
  signal?: AbortSignal;
  /** Clock for the manifest's timestamps. @default () => new Date() */
  now?: () => Date;
  onEvent?: (e: GrowEvent) => void;
}

/** What the runner reports while it works; the CLI prints them on stderr. */
export type GrowEvent =
  | { type: "dataset"; dataset: string; questions: number; keyField: KeyField; start: number; cursor: number }
  | { type: "stage-start"; dataset: string; length: number; round: number; stage: RoundStage | "merge" }
  | {
      type: "stage-done";
      dataset: string;
      length: number;
      round: number;
      stage: RoundStage | "merge";
      /** Found finished in the manifest with its file present. */
      skipped: boolean;
      count: number;
    }
  | { type: "rollout-progress"; done: number; total: number }
  | { type: "cell-done"; cell: ManifestCell };
