/**
 * Making KeyChain instances from plain data: the run's resolved options and a token counter. The main thread
 * and every worker thread build the same maker from the same spec.
 */
import { type QuestionPool, questionPoolOf } from "../compose/question-pool.js";
import { type Framing, resolveFraming } from "../prompt/framing.js";
import {
  framingIdentity,
  LastSynthesizer,
  type SampleMaker,
  type SampleMakerFactory,
  type SampleSource,
} from "../run/sample-maker.js";
import type { WindowItem } from "../run/windows.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { chainsFor, distractorsFor, type KeychainRunConfig } from "./options.js";
import type { KeychainRecord } from "./record.js";
import { type KeychainResult, type KeychainSampleOptions, KeychainSynthesizer } from "./synthesize.js";

export class KeychainMaker implements SampleMaker<KeychainRecord> {
  readonly identity: string;
  private readonly synths = new LastSynthesizer(
    (source, length) =>
      new KeychainSynthesizer(
        { sized: source.sized, counter: this.counter, pool: this.pool(source) },
        this.optionsFor(source, length),
      ),
  );

  private constructor(
    readonly config: KeychainRunConfig,
    readonly framing: Framing,
    private readonly counter: TokenCounter,
  ) {
    this.identity = framingIdentity(framing);
  }

  /** The maker of a run: its framing resolved against `counter` (the tokenizer's chat template for `auto`). */
  static async create(config: KeychainRunConfig, counter: TokenCounter): Promise<KeychainMaker> {
    return new KeychainMaker(config, await resolveFraming(config, counter), counter);
  }

  /** The sample options of a data set at a length (`auto` distractor questions adapt to the data set). */
  optionsFor(source: SampleSource, length: number): KeychainSampleOptions {
    const c = this.config;
    return {
      dataset: source.name,
      maxSeqLength: length,
      tokensToGenerate: c.tokensToGenerate,
      seed: c.seed,
      placement: c.placement,
      chains: chainsFor(c, length),
      hops: c.hops,
      idFormat: c.idFormat,
      topology: c.topology,
      distractorQuestions: distractorsFor(c, length, this.pool(source).distinct),
      promptVariant: c.promptVariant,
      ...this.framing,
      checkBudget: c.checkBudget,
    };
  }

  /** The distractor question pool of a data set. */
  pool(source: SampleSource): QuestionPool {
    return questionPoolOf(source.qas);
  }

  synthesize(
    source: SampleSource,
    length: number,
    items: readonly WindowItem[],
  ): AsyncIterable<KeychainResult> {
    return this.synths.for(source, length).synthesize(items);
  }
}

/** The factory a KeyChain worker thread builds its maker with (spec: the {@link KeychainRunConfig}). */
export const keychainMaker: SampleMakerFactory<KeychainRecord> = (spec, counter) =>
  KeychainMaker.create(spec as KeychainRunConfig, counter);
