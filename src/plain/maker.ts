/**
 * Making plain samples from plain data: the run's resolved options (its template as its source text) and a
 * token counter. The main thread and every worker thread build the same maker from the same spec.
 */
import { type QuestionPool, questionPoolOf } from "../compose/question-pool.js";
import { type Framing, resolveFraming } from "../prompt/framing.js";
import { parseTemplate } from "../prompt/user-template.js";
import {
  framingIdentity,
  LastSynthesizer,
  type SampleMaker,
  type SampleMakerFactory,
  type SampleSource,
} from "../run/sample-maker.js";
import type { WindowItem } from "../run/windows.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { PlainRunConfig } from "./options.js";
import {
  type PlainRecord,
  type PlainResult,
  type PlainSampleOptions,
  PlainSynthesizer,
} from "./synthesize.js";

/** A {@link PlainRunConfig} as plain data: the template as its source text. */
export type PlainSpec = Omit<PlainRunConfig, "template"> & { template: string };

export function plainSpec(config: PlainRunConfig): PlainSpec {
  return { ...config, template: config.template.source };
}

export class PlainMaker implements SampleMaker<PlainRecord> {
  readonly identity: string;
  private readonly synths = new LastSynthesizer((source, length) => {
    const pool = this.pool(source);
    return new PlainSynthesizer(
      { sized: source.sized, counter: this.counter, ...(pool ? { pool } : {}) },
      this.optionsFor(source.name, length),
    );
  });

  private constructor(
    readonly config: PlainRunConfig,
    readonly framing: Framing,
    private readonly counter: TokenCounter,
  ) {
    this.identity = framingIdentity(framing);
  }

  /** The maker of a run: its framing resolved against `counter` (the tokenizer's chat template for `auto`). */
  static async create(config: PlainRunConfig, counter: TokenCounter): Promise<PlainMaker> {
    return new PlainMaker(config, await resolveFraming(config, counter), counter);
  }

  /** The sample options of a data set at a length. */
  optionsFor(dataset: string, length: number): PlainSampleOptions {
    return { ...this.config, ...this.framing, dataset, maxSeqLength: length };
  }

  /** The distractor question pool of a data set, when records store distractor questions. */
  pool(source: SampleSource): QuestionPool | undefined {
    return this.config.distractQuestions < 0 ? undefined : questionPoolOf(source.qas);
  }

  synthesize(source: SampleSource, length: number, items: readonly WindowItem[]): AsyncIterable<PlainResult> {
    return this.synths.for(source, length).synthesize(items);
  }
}

/** The factory a plain worker thread builds its maker with (spec: {@link PlainSpec}). */
export const plainMaker: SampleMakerFactory<PlainRecord> = (spec, counter) => {
  const s = spec as PlainSpec;
  return PlainMaker.create({ ...s, template: parseTemplate(s.template) }, counter);
};
