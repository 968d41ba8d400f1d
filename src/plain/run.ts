import { join } from "node:path";
import { QuestionPool } from "../compose/question-pool.js";
import { type FramingOptions, resolveFraming } from "../prompt/framing.js";
import {
  type FileSummary,
  type MatrixCell,
  type MatrixConfig,
  type RunDeps,
  runMatrix,
  shardSuffix,
} from "../run/matrix.js";
import { isExactByConstruction, type PlainOptions, type PlainRecord, synthesizePlain } from "./synthesize.js";

export type { DatasetSpec, FileSummary, RunDeps, RunEvent } from "../run/matrix.js";
export { defaultDatasetName } from "../run/matrix.js";

/** Resolved configuration of a plain run over datasets × lengths; the framing is resolved against the
 * tokenizer when the run starts. */
export interface PlainRunConfig
  extends MatrixConfig,
    FramingOptions,
    Omit<
      PlainOptions,
      "dataset" | "maxSeqLength" | "seed" | "tokensToGenerate" | "system" | "chatTemplate"
    > {}

/** `{out}/{name}/{subset}-num_sample_{N}-max_seq_{L}.jsonl` (+ shard suffix), as the original qa.py. */
export function plainOutputPath(config: PlainRunConfig, dataset: string, n: number, length: number): string {
  return join(
    config.out,
    dataset,
    `${config.subset}-num_sample_${n}-max_seq_${length}${shardSuffix(config.shard)}.jsonl`,
  );
}

/** Plain synthesis over every dataset × length (see runMatrix). */
export async function runPlain(config: PlainRunConfig, deps: RunDeps): Promise<FileSummary[]> {
  const pools = new Map<string, QuestionPool>();
  const framing = await resolveFraming(config, deps.counter);
  const optionsFor = (cell: MatrixCell): PlainOptions => ({
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
      pool.assertCanSample(config.distractQuestions, `--distract-questions ${config.distractQuestions}`);
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
