import { join } from "node:path";
import { type FileSummary, type RunDeps, runMatrix, shardSuffix, withRunDeps } from "../run/matrix.js";
import { PlainMaker, plainSpec } from "./maker.js";
import { type PlainOptions, type PlainRunConfig, resolvePlainOptions } from "./options.js";
import { isExactByConstruction, PLAIN_CHUNK, type PlainRecord } from "./synthesize.js";

export type { DatasetSpec, FileSummary, RunDeps, RunEvent } from "../run/matrix.js";
export { defaultDatasetName } from "../run/matrix.js";

export type { PlainRunConfig };

/** `{out}/{name}/{subset}-num_sample_{N}-max_seq_{L}.jsonl` (+ shard suffix), as the original qa.py. */
export function plainOutputPath(config: PlainRunConfig, dataset: string, n: number, length: number): string {
  return join(
    config.out,
    dataset,
    `${config.subset}-num_sample_${n}-max_seq_${length}${shardSuffix(config.shard)}.jsonl`,
  );
}

/**
 * Plain synthesis over every dataset × length, from the options a user writes (defaults as the CLI's):
 * `runPlain({ input: "hotpot.json", lengths: ["16k"], numSamples: 100 })`. The tokenizer of `options.tokenizer`
 * is loaded (and closed) unless `deps.counter` is given. Throws an OptionsError listing every bad option.
 */
export async function runPlain(options: PlainOptions, deps: Partial<RunDeps> = {}): Promise<FileSummary[]> {
  const config = resolvePlainOptions(options);
  return withRunDeps(config.tokenizer, deps, (d) => runPlainConfig(config, d));
}

/** Plain synthesis over every dataset × length from a resolved configuration (see runMatrix). */
export async function runPlainConfig(config: PlainRunConfig, deps: RunDeps): Promise<FileSummary[]> {
  const maker = await PlainMaker.create(config, deps.counter);
  return runMatrix<PlainRecord>(config, deps, {
    name: "plain",
    check(ds) {
      maker
        .pool(ds.source)
        ?.assertCanSample(config.distractQuestions, `distractor questions ${config.distractQuestions}`);
      return [];
    },
    outputPath: (cell) => plainOutputPath(config, cell.dataset.name, cell.windowSize, cell.length),
    synthesize: (cell) => maker.synthesize(cell.dataset.source, cell.length, cell.items),
    chunkSize: PLAIN_CHUNK,
    worker: {
      entry: new URL("./worker.js", import.meta.url),
      spec: plainSpec(config),
      identity: maker.identity,
    },
    options: () => ({
      template: config.template.source,
      system_prompt: config.systemPrompt ?? "none",
      chat_template: maker.framing.chatTemplate.name,
      chat_template_hash: maker.framing.chatTemplate.hash,
      placement: config.placement,
      remove_newline_tab: config.removeNewlineTab,
      distract_questions: config.distractQuestions,
      check_budget: config.checkBudget,
    }),
    exact: (ds) =>
      isExactByConstruction({ sized: ds.sized, counter: deps.counter }, maker.optionsFor(ds.name, 0)),
  });
}
