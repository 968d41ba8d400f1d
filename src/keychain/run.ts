import { join } from "node:path";
import { formatPlacement, type Placement } from "../compose/placement.js";
import { QuestionPool } from "../compose/question-pool.js";
import { ConfigError } from "../errors.js";
import type { BudgetCheck } from "../plain/synthesize.js";
import { type FramingOptions, resolveFraming } from "../prompt/framing.js";
import type { KeychainPromptVariant } from "../prompt/templates.js";
import {
  type FileSummary,
  type MatrixCell,
  type MatrixConfig,
  type RunDeps,
  runMatrix,
  shardSuffix,
} from "../run/matrix.js";
import { formatTopology, idsNeeded, type Topology } from "./chains.js";
import { assertIdSpace, formatIdFormat, type IdFormat, idFormatFileTag } from "./ids.js";
import type { KeychainRecord } from "./record.js";
import { isKeychainExact, type KeychainOptions, synthesizeKeychain } from "./synthesize.js";

/** Resolved configuration of a KeyChain run over datasets × lengths; the framing (system prompt, chat
 * template) is resolved against the tokenizer when the run starts. */
export interface KeychainRunConfig extends MatrixConfig, FramingOptions {
  placement: Placement;
  /** A number, or `auto`: `chainsPer1k` chains per 1,024 tokens of L (at least 1). */
  chains: number | "auto";
  /** 1 = the published 16K data (16 chains at 16K); 4 = the repository's later code. @default 1 */
  chainsPer1k: number;
  hops: number;
  idFormat: IdFormat;
  topology: Topology;
  /** A number, or `auto`: L/64 sampled (16 per 1K, as the original), never fewer than chains − 1. */
  distractorQuestions: number | "auto";
  promptVariant: KeychainPromptVariant;
  checkBudget: BudgetCheck;
}

export function chainsFor(config: Pick<KeychainRunConfig, "chains" | "chainsPer1k">, length: number): number {
  return config.chains === "auto"
    ? Math.max(1, Math.floor((config.chainsPer1k * length) / 1024))
    : config.chains;
}

export function distractorsFor(config: KeychainRunConfig, length: number): number {
  const used = chainsFor(config, length) - 1;
  if (config.distractorQuestions === "auto")
    return Math.max(used, Math.max(1, Math.floor(length / 1024)) * 16);
  if (config.distractorQuestions < used)
    throw new ConfigError(
      `--distractor-questions ${config.distractorQuestions} is fewer than the ${used} distractor chains at length ${length} (chains − 1)`,
    );
  return config.distractorQuestions;
}

/** The original add-distractor naming: `{name}_{subset}-num_sample_{N}-max_seq_{L}-uuid_len_{fmt}-numchain_{C}-numhop-{H}-distractor.jsonl`. */
export function keychainOutputPath(
  config: KeychainRunConfig,
  dataset: string,
  n: number,
  length: number,
): string {
  const tree = config.topology.kind === "tree" ? `-tree_${config.topology.branching}` : "";
  const stem =
    `${dataset}_${config.subset}-num_sample_${n}-max_seq_${length}-uuid_len_${idFormatFileTag(config.idFormat)}` +
    `-numchain_${chainsFor(config, length)}-numhop-${config.hops}${tree}-distractor`;
  return join(config.out, dataset, `${stem}${shardSuffix(config.shard)}.jsonl`);
}

/** KeyChain synthesis over every dataset × length (see runMatrix). */
export async function runKeychain(config: KeychainRunConfig, deps: RunDeps): Promise<FileSummary[]> {
  if (config.hops < 1) throw new ConfigError("--hops must be at least 1");
  for (const length of config.lengths) {
    const chains = chainsFor(config, length);
    if (chains < 1) throw new ConfigError("--chains must be at least 1");
    assertIdSpace(config.idFormat, idsNeeded(config.topology, chains, config.hops));
    distractorsFor(config, length);
  }
  const pools = new Map<string, QuestionPool>();
  const framing = await resolveFraming(config, deps.counter);
  const optionsFor = (cell: MatrixCell): KeychainOptions => ({
    dataset: cell.dataset.name,
    maxSeqLength: cell.length,
    tokensToGenerate: config.tokensToGenerate,
    seed: config.seed,
    placement: config.placement,
    chains: chainsFor(config, cell.length),
    hops: config.hops,
    idFormat: config.idFormat,
    topology: config.topology,
    distractorQuestions: distractorsFor(config, cell.length),
    promptVariant: config.promptVariant,
    ...framing,
    checkBudget: config.checkBudget,
  });
  return runMatrix<KeychainRecord>(config, deps, {
    name: "keychain",
    check(ds) {
      const pool = new QuestionPool(ds.corpus.qas);
      for (const length of config.lengths)
        pool.assertCanSample(distractorsFor(config, length), `KeyChain at length ${length}`);
      pools.set(ds.name, pool);
    },
    outputPath: (cell) => keychainOutputPath(config, cell.dataset.name, cell.windowSize, cell.length),
    synthesize: (cell) =>
      synthesizeKeychain(
        {
          sized: cell.dataset.sized,
          counter: deps.counter,
          pool: pools.get(cell.dataset.name) as QuestionPool,
        },
        cell.items,
        optionsFor(cell),
      ),
    options: (cell) => {
      const o = optionsFor(cell);
      return {
        placement: formatPlacement(o.placement),
        chains: o.chains,
        hops: o.hops,
        id_format: formatIdFormat(o.idFormat),
        topology: formatTopology(o.topology),
        distractor_questions: o.distractorQuestions,
        prompt_variant: o.promptVariant,
        system_prompt: config.systemPrompt ?? "none",
        chat_template: o.chatTemplate.name,
        chat_template_hash: o.chatTemplate.hash,
        check_budget: o.checkBudget,
      };
    },
    exact: (ds) => isKeychainExact({ sized: ds.sized, counter: deps.counter }),
  });
}
