import { join } from "node:path";
import { formatPlacement } from "../compose/placement.js";
import { type FileSummary, type RunDeps, runMatrix, shardSuffix, withRunDeps } from "../run/matrix.js";
import { formatTopology } from "./chains.js";
import { formatIdFormat, idFormatFileTag } from "./ids.js";
import { KeychainMaker } from "./maker.js";
import {
  autoDistractors,
  chainsFor,
  distractorsFor,
  type KeychainOptions,
  type KeychainRunConfig,
  resolveKeychainOptions,
} from "./options.js";
import type { KeychainRecord } from "./record.js";
import { isKeychainExact, KEYCHAIN_CHUNK } from "./synthesize.js";

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
  const maker = await KeychainMaker.create(config, deps.counter);
  return runMatrix<KeychainRecord>(config, deps, {
    name: "keychain",
    check(ds) {
      const pool = maker.pool(ds.source);
      const notes: string[] = [];
      for (const length of config.lengths) {
        const k = distractorsFor(config, length, pool.distinct);
        pool.assertCanSample(k, `KeyChain at length ${length}`);
        if (config.distractorQuestions === "auto" && k < autoDistractors(config, length))
          notes.push(
            `KeyChain at length ${length}: ${k} distractor questions per instance (auto asks ${autoDistractors(config, length)}; ${ds.name} has ${pool.distinct} distinct questions)`,
          );
      }
      return notes;
    },
    outputPath: (cell) => keychainOutputPath(config, cell.dataset.name, cell.windowSize, cell.length),
    synthesize: (cell) => maker.synthesize(cell.dataset.source, cell.length, cell.items),
    chunkSize: KEYCHAIN_CHUNK,
    worker: {
      entry: new URL("./worker.js", import.meta.url),
      spec: config,
      identity: maker.identity,
    },
    options: (cell) => {
      const o = maker.optionsFor(cell.dataset.source, cell.length);
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
