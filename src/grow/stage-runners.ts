import { basename, join } from "node:path";
import { InputError } from "../errors.js";
import { plainOutputPath, runPlainConfig } from "../plain/run.js";
import { type BadLine, cleanTraces, convertToSwift, filterSwift } from "../sft/index.js";
import { type RolloutOptions, runRollout } from "../stages/rollout.js";
import type { CellContext } from "./cell-context.js";
import type { GrowConfig } from "./config.js";
import { writeFreshRecords } from "./fresh-records.js";
import type { ManifestRound, RoundStage } from "./manifest.js";
import { roundDir, takenKeys } from "./plan.js";

/** Each stage of a round: run it, record its counts on the round, return its output file. */
export const STAGE_RUNNERS: Record<RoundStage, (x: CellContext, round: ManifestRound) => Promise<string>> = {
  async plain(x, round) {
    const { config, cell } = x;
    const dir = roundDir(config.out, cell.dataset, cell.length, round.round);
    const spec = config.datasets.find((d) => d.name === cell.dataset) as GrowConfig["datasets"][number];
    const plain = {
      ...config.plain,
      datasets: [{ ...spec }],
      lengths: [cell.length],
      numSamples: round.window.end - round.window.start,
      preSamples: round.window.start,
      disjointWindows: false,
      out: join(dir, "plain"),
    };
    const [summary] = await runPlainConfig(plain, { counter: x.deps.counter, memo: x.memo });
    round.counts.plain = summary?.written ?? 0;
    return plainOutputPath(plain, cell.dataset, round.window.end - round.window.start, cell.length);
  },

  async fresh(x, round) {
    const { ds, dsEntry, cell } = x;
    const input = x.abs(round.files.plain as string);
    const dir = roundDir(x.config.out, cell.dataset, cell.length, round.round);
    const output = join(dir, "fresh", cell.dataset, basename(input));
    const taken = takenKeys(ds.used, ds.questions, ds.keyField, dsEntry.start, round.window.start);
    const { kept, dropped } = await writeFreshRecords(input, output, taken, ds.keyField);
    round.counts.dropped_used = dropped;
    round.counts.fresh = kept;
    return output;
  },

  async rollout(x, round) {
    const { config, cell } = x;
    const ro = config.rollout;
    const options: RolloutOptions = {
      input: x.abs(round.files.fresh as string),
      model: ro.model,
      n: ro.n,
      temperature: ro.temperature,
      maxTokens: ro.maxTokens,
      prompt: ro.prompt,
      systemPrompt: ro.systemPrompt,
      mode: ro.mode,
      out: join(roundDir(config.out, cell.dataset, cell.length, round.round), "rollout"),
      ...(ro.topP !== undefined ? { topP: ro.topP } : {}),
      ...(ro.extractor !== undefined ? { extractor: ro.extractor } : {}),
    };
    const s = await runRollout(options, {
      pool: x.deps.pool,
      ...(x.deps.signal ? { signal: x.deps.signal } : {}),
      onProgress: (done, total) => x.emit({ type: "rollout-progress", done, total }),
    });
    round.counts.rollouts = s.records;
    return s.outputPath;
  },

  async convert(x, round) {
    const { config, cell } = x;
    const input = x.abs(round.files.rollout as string);
    const s = await convertToSwift({
      input,
      outDir: join(roundDir(config.out, cell.dataset, cell.length, round.round), "sft", cell.dataset),
      modelTag: config.sft.modelTag,
    });
    assertNoBadLines("convert", s.badLines, input);
    round.counts.converted = s.rows;
    return s.outputPath;
  },

  async filter(x, round) {
    const s = await filterSwift({ input: x.abs(round.files.convert as string) });
    round.counts.kept = s.kept;
    return s.outputPath;
  },

  async clean(x, round) {
    const { config, cell } = x;
    const input = x.abs(round.files.rollout as string);
    const s = await cleanTraces({
      input,
      outDir: join(roundDir(config.out, cell.dataset, cell.length, round.round), "sft", cell.dataset),
      modelTag: config.sft.modelTag,
      keepBoxed: config.sft.keepBoxed,
    });
    assertNoBadLines("clean", s.badLines, input);
    round.counts.kept = s.kept;
    return s.outputPath;
  },
};

/** A round's rollout file must be whole: its bad lines would silently shrink the round. */
function assertNoBadLines(stage: "convert" | "clean", badLines: readonly BadLine[], file: string): void {
  if (badLines.length > 0)
    throw new InputError(
      `${stage} found ${badLines.length} bad line(s), first: ${JSON.stringify(badLines[0])}`,
      { file },
    );
}
