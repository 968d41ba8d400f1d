/** Scoring options as the user writes them, and their resolved form. */

/**
 * - `"default"`: the original's reward holes fixed. A prediction with no tokens scores 0; containment
 *   is over whole tokens, so "no" does not match "Norway" or "not"; aliases count as golds.
 * - `"compat"`: the original exactly, holes included (`\boxed{a}` scores sub_em 1 against any gold).
 */
export type ScoreMode = "default" | "compat";

export const SCORE_MODES: readonly ScoreMode[] = ["default", "compat"];

export interface ScoreOptions {
  /** @default "default" */
  mode?: ScoreMode;
  /**
   * Further accepted answers (e.g. MuSiQue `answer_aliases`), scored like golds in default mode. Compat
   * mode ignores them, as the original does.
   * @default []
   */
  aliases?: readonly string[];
}

export interface ResolvedScoreOptions {
  mode: ScoreMode;
  aliases: readonly string[];
}

export function resolveScoreOptions(options: ScoreOptions = {}): ResolvedScoreOptions {
  return { mode: options.mode ?? "default", aliases: options.aliases ?? [] };
}
