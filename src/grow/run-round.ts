import { fileExists } from "../stages/stage-files.js";
import type { CellContext } from "./cell-context.js";
import type { GrowConfig } from "./config.js";
import { type ManifestRound, type RoundStage, sumRounds } from "./manifest.js";
import { STAGE_RUNNERS } from "./stage-runners.js";

/** The stages of a round, in order, under the config's SFT mode. */
export function stagesOf(config: GrowConfig): RoundStage[] {
  return config.sft.mode === "filter"
    ? ["plain", "fresh", "rollout", "convert", "filter"]
    : ["plain", "fresh", "rollout", "clean"];
}

/**
 * Runs or resumes one round: a stage the manifest records as done, with its file present, is skipped; from the
 * first stage that is not, every stage runs again. The manifest is saved after each stage.
 */
export async function runRound(x: CellContext, round: ManifestRound): Promise<void> {
  const { config, cell } = x;
  let rerun = false;
  for (const stage of stagesOf(config)) {
    const file = round.files[stage];
    if (
      !rerun &&
      round.stages_completed.includes(stage) &&
      file !== undefined &&
      (await fileExists(x.abs(file)))
    ) {
      x.emit({
        ...where(x, round),
        stage,
        type: "stage-done",
        skipped: true,
        count: stageCount(round, stage),
      });
      continue;
    }
    rerun = true;
    round.stages_completed = round.stages_completed.filter((s) => s !== stage);
    cell.stage = `round ${round.round}: ${stage}`;
    x.emit({ ...where(x, round), stage, type: "stage-start" });
    if (round.counts.fresh === 0 && stage !== "plain" && stage !== "fresh") {
      // Every question of the window was already used: nothing to send.
      round.counts.rollouts = 0;
      round.counts.kept = 0;
    } else {
      const out = await STAGE_RUNNERS[stage](x, round);
      round.files[stage] = x.rel(out);
    }
    round.stages_completed.push(stage);
    cell.stages_completed = [
      ...cell.stages_completed.filter((s) => s !== `round ${round.round}: ${stage}`),
      `round ${round.round}: ${stage}`,
    ];
    sumRounds(cell);
    cell.updated_at = x.now();
    await x.save();
    x.emit({
      ...where(x, round),
      stage,
      type: "stage-done",
      skipped: false,
      count: stageCount(round, stage),
    });
  }
}

function where(x: CellContext, round: ManifestRound) {
  return { dataset: x.cell.dataset, length: x.cell.length, round: round.round };
}

/** The count a stage's event reports: what it recorded on the round. */
function stageCount(round: ManifestRound, stage: RoundStage): number {
  const c = round.counts;
  const n = {
    plain: c.plain,
    fresh: c.fresh,
    rollout: c.rollouts,
    convert: c.converted,
    filter: c.kept,
    clean: c.kept,
  }[stage];
  return n ?? 0;
}
