import { join } from "node:path";
import { formatPlacement } from "../compose/placement.js";
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
import { formatTopology } from "./chains.js";
import { formatIdFormat, idFormatFileTag } from "./ids.js";
import {
  chainsFor,
  distractorsFor,
  type KeychainOptions,
  type KeychainRunConfig,
  resolveKeychainOptions,
} from "./options.js";
import type { KeychainRecord } from "./record.js";
import { isKeychainExact, type KeychainSampleOptions, synthesizeKeychain } from "./synthesize.js";

export { chainsFor, distractorsFor, type KeychainRunConfig };

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

/**
 * KeyChain synthesis over every dataset × length, from the options a user writes (defaults as the CLI's):
 * `runKeychain({ input: "hotpot.json", lengths: ["16k"], numSamples: 100 })`. The tokenizer of
 * `options.tokenizer` is loaded (and closed) unless `deps.counter` is given. Throws an OptionsError listing
 * every bad option.
 */
export async function runKeychain(
  options: KeychainOptions,
  deps: Partial<RunDeps> = {},
): Promise<FileSummary[]> {
  const config = resolveKeychainOptions(options);
  return withRunDeps(config.tokenizer, deps, (d) => runKeychainConfig(config, d));
}

/** KeyChain synthesis over every dataset × length from a resolved configuration (see runMatrix). */
export async function runKeychainConfig(config: KeychainRunConfig, deps: RunDeps): Promise<FileSummary[]> {
  const pools = new Map<string, QuestionPool>();
  const framing = await resolveFraming(config, deps.counter);
  const optionsFor = (cell: MatrixCell): KeychainSampleOptions => ({
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
