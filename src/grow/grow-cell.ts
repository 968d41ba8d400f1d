import { type CellContext, CellFailure } from "./cell-context.js";
import type { ManifestRound } from "./manifest.js";
import { mergeCell } from "./merge-cell.js";
import { nextWindow } from "./plan.js";
import { runRound } from "./run-round.js";

/**
 * The round loop of one data set × length: runs or resumes rounds, each on a fresh window of questions from the
 * data set's cursor, until the kept rows reach the need, then merges. Running out of rounds or questions is a
 * {@link CellFailure}.
 */
export async function growCell(x: CellContext): Promise<void> {
  const { config, cell, dsEntry } = x;
  for (let r = 0; ; r++) {
    const kept = cell.rounds.slice(0, r).reduce((s, round) => s + (round.counts.kept ?? 0), 0);
    if (kept >= cell.need) break;
    if (r === cell.rounds.length) {
      if (r >= config.maxRounds)
        throw new CellFailure(
          `only ${kept} of ${cell.need} new rows after ${r} round${r === 1 ? "" : "s"} (max_rounds ${config.maxRounds}); raise max_rounds or oversample and run again`,
        );
      const window = nextWindow(dsEntry.cursor, cell.need - kept, config.oversample, dsEntry.questions);
      if (!window)
        throw new CellFailure(
          `no questions left: all ${dsEntry.questions} questions of "${cell.dataset}" are used (cursor ${dsEntry.cursor}); ${kept} of ${cell.need} new rows`,
        );
      cell.rounds.push({ round: r + 1, window, stages_completed: [], files: {}, counts: {} });
      dsEntry.cursor = window.end;
      await x.save();
    }
    await runRound(x, cell.rounds[r] as ManifestRound);
  }
  await mergeCell(x);
}
