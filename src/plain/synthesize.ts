import {
  assertCounts,
  assertEscaped,
  type BudgetCheck,
  type Composed,
  Composer,
  goldPositions,
  isChecked,
  isRenderChecked,
} from "../compose/compose.js";
import { layoutIsNewlineBounded } from "../compose/layout.js";
import type { Placement } from "../compose/placement.js";
import { formatPlacement } from "../compose/placement.js";
import type { QuestionPool } from "../compose/question-pool.js";
import type { SizedCorpus } from "../compose/sized-corpus.js";
import { collapseWhitespace } from "../compose/whitespace.js";
import type { SharedText } from "../io/json-line.js";
import { assertRendered, type ChatTemplate, userFrame } from "../prompt/chat-template.js";
import { promptMessages } from "../prompt/messages.js";
import type { Template } from "../prompt/user-template.js";
import { Rng } from "../rng.js";
import type { SampleRecordBase } from "../run/sample-record.js";
import type { WindowItem } from "../run/windows.js";
import type { TokenCounter } from "../tokenizer/types.js";

export type { BudgetCheck };
export { goldPositions };

/** Resolved options of plain synthesis (every default filled in). */
export interface PlainSampleOptions {
  /** Data set name: written to each record and part of every sample's RNG seed. */
  dataset: string;
  /** L: total sequence length the samples are built for. */
  maxSeqLength: number;
  /** G: tokens reserved for the answer; prompts are ≤ L − G tokens. */
  tokensToGenerate: number;
  seed: number;
  /** The user message around the context (`{context}`, `{input}`). */
  template: Template;
  /** Text of the system message; undefined = none. */
  system: string | undefined;
  /** The chat template the trainer applies: the budget is counted on its rendering of the messages. */
  chatTemplate: ChatTemplate;
  placement: Placement;
  /** The original's `--remove_newline_tab`, applied before measuring. */
  removeNewlineTab: boolean;
  /** Distractor questions stored per record (`distract_questions`); negative disables the field. */
  distractQuestions: number;
  /** `sample`: exact-by-construction prompts are re-counted for window positions divisible by 100;
   * `all`: every prompt is re-counted. Prompts that are not exact by construction are always counted. */
  checkBudget: BudgetCheck;
}

export type { WindowItem };

/** A plain long-context QA record (field order is the output order). */
export interface PlainRecord extends SampleRecordBase {
  distract_questions?: string[];
}

export type PlainResult =
  | { kind: "sample"; record: PlainRecord; verified: boolean; shared: readonly SharedText[] }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

export interface PlainContext {
  sized: SizedCorpus;
  counter: TokenCounter;
  /** Pool for `distract_questions`; required when distractQuestions ≥ 0. */
  pool?: QuestionPool;
}

/** Whether prompts are exact by construction (sum of cached counts) for this tokenizer and options. */
export function isExactByConstruction(
  ctx: Pick<PlainContext, "sized" | "counter">,
  options: Pick<PlainSampleOptions, "removeNewlineTab">,
): boolean {
  return ctx.counter.newlineAdditive && layoutIsNewlineBounded(ctx.sized.layout) && !options.removeNewlineTab;
}

/**
 * Turn questions into plain long-context samples, in input order, `chunkSize` at a time so tokenizer calls are
 * batched. Every emitted prompt — the stored messages through the chat template, as the trainer renders them
 * — is ≤ L − G tokens: by construction when the tokenizer is newline-additive (cached per-document counts
 * plus one count of the last document with the template suffix), otherwise by counting the rendered prompt
 * and dropping fillers until it fits.
 */
export async function* synthesizePlain(
  ctx: PlainContext,
  items: readonly WindowItem[],
  options: PlainSampleOptions,
  chunkSize = PLAIN_CHUNK,
): AsyncGenerator<PlainResult> {
  yield* new PlainSynthesizer(ctx, options).synthesize(items, chunkSize);
}

/** Samples per batch of tokenizer calls. */
export const PLAIN_CHUNK = 32;

/**
 * {@link synthesizePlain} for one data set at one length, kept between calls: a worker thread is handed the
 * questions of a file a chunk at a time, and what is counted once (fixed texts, headers) stays counted. Every
 * sample depends on its own question and seed only, so any split into calls gives the same samples.
 */
export class PlainSynthesizer {
  private readonly exact: boolean;
  private readonly composer: Composer;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly ctx: PlainContext,
    private readonly options: PlainSampleOptions,
  ) {
    this.exact = isExactByConstruction(ctx, options);
    this.composer = new Composer(ctx.sized, ctx.counter, {
      budget: options.maxSeqLength - options.tokensToGenerate,
      placement: options.placement,
      removeNewlineTab: options.removeNewlineTab,
      exact: this.exact,
      frame: userFrame(options.chatTemplate, promptMessages(options.system, "").slice(0, -1)),
    });
  }

  /** The samples of `items`, in order. */
  async *synthesize(items: readonly WindowItem[], chunkSize = PLAIN_CHUNK): AsyncGenerator<PlainResult> {
    const { ctx, options, exact, composer } = this;
    this.ready ??= composer.init();
    await this.ready;
    for (let start = 0; start < items.length; start += chunkSize) {
      const chunk = items.slice(start, start + chunkSize);
      const built = await composer.compose(
        chunk.map((item) => ({
          qa: item.qa,
          rng: Rng.derive(
            "plain",
            options.seed,
            options.dataset,
            options.maxSeqLength,
            item.sourceIndex,
            item.qa.id,
          ),
          prefix: options.template.prefix(item.qa.question),
          suffix: options.template.suffix(item.qa.question),
          reserve: 0,
        })),
      );
      const checked = new Set<number>();
      await assertCounts(
        ctx.counter,
        built.flatMap((b, i) => {
          const item = chunk[i] as WindowItem;
          if ("skip" in b || !exact || !isChecked(options.checkBudget, item.index)) return [];
          checked.add(i);
          return [{ text: b.text, tokens: b.tokens, label: `sample ${item.index} (id "${item.qa.id}")` }];
        }),
      );
      for (const [i, b] of built.entries()) {
        const item = chunk[i] as WindowItem;
        if ("skip" in b) {
          yield {
            kind: "skip",
            index: item.index,
            sourceIndex: item.sourceIndex,
            id: item.qa.id,
            reason: b.skip,
          };
          continue;
        }
        const record = plainRecord(b, item, options, ctx, exact);
        // The user message is prefix + context + suffix, unless whitespace was collapsed.
        const shared: SharedText[] = options.removeNewlineTab
          ? []
          : [
              {
                text: record.context,
                ...(b.contextJson ? { json: b.contextJson } : {}),
                within: [{ string: b.user, before: b.job.prefix, after: b.job.suffix }],
              },
            ];
        yield { kind: "sample", record, verified: checked.has(i) || !exact, shared };
      }
    }
  }
}

function plainRecord(
  b: Composed,
  item: WindowItem,
  options: PlainSampleOptions,
  ctx: PlainContext,
  exact: boolean,
): PlainRecord {
  const prompt = promptMessages(options.system, b.user);
  if (isRenderChecked(options.checkBudget, exact, item.index)) {
    assertRendered(options.chatTemplate, prompt, b.text);
    assertEscaped(b.context, b.contextJson, `sample ${item.index} (id "${item.qa.id}")`);
  }
  const record: PlainRecord = {
    index: item.index,
    source_index: item.sourceIndex,
    id: item.qa.id,
    kind: "plain",
    input: item.qa.question,
    context: options.removeNewlineTab ? collapseWhitespace(b.context) : b.context,
    answers: item.qa.answers,
    answer_aliases: item.qa.aliases,
    length: b.tokens + options.tokensToGenerate,
    prompt_length: b.tokens,
    target_length: options.maxSeqLength,
    num_docs: b.order.length,
    gold_positions: goldPositions(b.order, item.qa.gold),
    dataset: options.dataset,
    seed: options.seed,
    placement: formatPlacement(options.placement),
    chat_template: options.chatTemplate.name,
    chat_template_hash: options.chatTemplate.hash,
    prompt,
  };
  if (options.distractQuestions >= 0 && ctx.pool) {
    const rng = Rng.derive("distract", options.seed, options.dataset, options.maxSeqLength, item.sourceIndex);
    record.distract_questions = ctx.pool.sample(item.qa, options.distractQuestions, rng);
  }
  return record;
}
