import { join } from "node:path";
import { QuestionPool } from "../compose/question-pool.js";
import { resolveFraming } from "../prompt/framing.js";
import {
  type FileSummary,
  type MatrixCell,
  type RunDeps,
  runMatrix,
  shardSuffix,
  withRunDeps,
} from "../run/matrix.js";
import { type PlainOptions, type PlainRunConfig, resolvePlainOptions } from "./options.js";
import {
  isExactByConstruction,
  type PlainRecord,
  type PlainSampleOptions,
  synthesizePlain,
} from "./synthesize.js";

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
  const pools = new Map<string, QuestionPool>();
  const framing = await resolveFraming(config, deps.counter);
  const optionsFor = (cell: MatrixCell): PlainSampleOptions => ({
    ...config,
    ...framing,
    dataset: cell.dataset.name,
    maxSeqLength: cell.length,
  });
  return runMatrix<PlainRecord>(config, deps, {
    name: "plain",
    check(ds) {
      if (config.distractQuestions < 0) return;
      const pool = new QuestionPool(ds.corpus.qas);
      pool.assertCanSample(config.distractQuestions, `distractor questions ${config.distractQuestions}`);
      pools.set(ds.name, pool);
    },
    outputPath: (cell) => plainOutputPath(config, cell.dataset.name, cell.windowSize, cell.length),
    synthesize: (cell) => {
      const pool = pools.get(cell.dataset.name);
      const ctx = { sized: cell.dataset.sized, counter: deps.counter, ...(pool ? { pool } : {}) };
      return synthesizePlain(ctx, cell.items, optionsFor(cell));
    },
    options: () => ({
      template: config.template.source,
      system_prompt: config.systemPrompt ?? "none",
      chat_template: framing.chatTemplate.name,
      chat_template_hash: framing.chatTemplate.hash,
      placement: config.placement,
      remove_newline_tab: config.removeNewlineTab,
      distract_questions: config.distractQuestions,
      check_budget: config.checkBudget,
    }),
    exact: (ds) =>
      isExactByConstruction(
        { sized: ds.sized, counter: deps.counter },
        optionsFor({ dataset: ds } as MatrixCell),
      ),
  });
}
