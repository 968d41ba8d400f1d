import { layoutIsNewlineBounded, renderContext, renderHeader } from "../compose/layout.js";
import type { Placement } from "../compose/placement.js";
import { formatPlacement, placeDocuments } from "../compose/placement.js";
import type { QuestionPool } from "../compose/question-pool.js";
import { type Selection, selectDocuments } from "../compose/select.js";
import type { SizedCorpus } from "../compose/sized-corpus.js";
import { collapseWhitespace, type Template } from "../compose/template.js";
import type { QaRecord } from "../corpus/types.js";
import { Rng } from "../rng.js";
import type { TokenCounter } from "../tokenizer/types.js";

/** How each emitted prompt's length is checked against a full re-tokenisation. */
export type BudgetCheck = "sample" | "all" | "off";

/** Resolved options of plain synthesis (every default filled in). */
export interface PlainOptions {
  /** Data set name: written to each record and part of every sample's RNG seed. */
  dataset: string;
  /** L: total sequence length the samples are built for. */
  maxSeqLength: number;
  /** G: tokens reserved for the answer; prompts are ≤ L − G tokens. */
  tokensToGenerate: number;
  seed: number;
  template: Template;
  placement: Placement;
  /** The original's `--remove_newline_tab`, applied before measuring. */
  removeNewlineTab: boolean;
  /** Distractor questions stored per record (`distract_questions`); negative disables the field. */
  distractQuestions: number;
  /** `sample`: exact-by-construction prompts are re-counted for window positions divisible by 100;
   * `all`: every prompt is re-counted. Prompts that are not exact by construction are always counted. */
  checkBudget: BudgetCheck;
}

/** One question to turn into a sample. */
export interface WindowItem {
  qa: QaRecord;
  /** Position of the question in the (filtered, possibly shuffled) question list. */
  sourceIndex: number;
  /** Position in the requested window: the record's `index`. */
  index: number;
}

/** A plain long-context QA record (field order is the output order). */
export interface PlainRecord {
  index: number;
  source_index: number;
  id: string;
  input: string;
  context: string;
  answers: string[];
  answer_aliases: string[];
  /** Prompt tokens + G (the original's meaning of `length`). */
  length: number;
  prompt_length: number;
  target_length: number;
  num_docs: number;
  /** 1-based passage numbers of the gold documents. */
  gold_positions: number[];
  dataset: string;
  seed: number;
  placement: string;
  distract_questions?: string[];
}

export type PlainResult =
  | { kind: "sample"; record: PlainRecord; verified: boolean }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

export interface PlainContext {
  sized: SizedCorpus;
  counter: TokenCounter;
  /** Pool for `distract_questions`; required when distractQuestions ≥ 0. */
  pool?: QuestionPool;
}

/** Whether prompts are exact by construction (sum of cached counts) for this tokenizer and options. */
export function isExactByConstruction(ctx: PlainContext, options: PlainOptions): boolean {
  return ctx.counter.newlineAdditive && layoutIsNewlineBounded(ctx.sized.layout) && !options.removeNewlineTab;
}

interface Draft {
  item: WindowItem;
  rng: Rng;
  prefix: string;
  suffix: string;
  /** Tokens of the template prefix (counted together with header 1, minus header 1). */
  prefixTokens: number;
  suffixTokens: number;
  selection?: Selection;
  order?: number[];
  tokens?: number;
  text?: string;
  skip?: string;
}

/**
 * Turn questions into plain long-context samples, in input order, `chunkSize` at a time so tokenizer calls are
 * batched. Every emitted prompt is ≤ L − G tokens: by construction when the tokenizer is newline-additive
 * (cached per-document counts plus one count of the last document with the template suffix), otherwise by
 * counting the rendered prompt and dropping fillers until it fits.
 */
export async function* synthesizePlain(
  ctx: PlainContext,
  items: readonly WindowItem[],
  options: PlainOptions,
  chunkSize = 32,
): AsyncGenerator<PlainResult> {
  const { sized, counter } = ctx;
  const budget = options.maxSeqLength - options.tokensToGenerate;
  const exact = isExactByConstruction(ctx, options);
  await sized.ensureHeaders(sized.maxPassages(budget) + 1, counter);
  const header1 = sized.headers(1);
  const fixedCache = new Map<string, number>();
  const countCached = async (texts: string[]): Promise<number[]> => {
    const missing = [...new Set(texts.filter((t) => !fixedCache.has(t)))];
    if (missing.length > 0) {
      const got = await counter.countBatch(missing);
      for (const [i, t] of missing.entries()) fixedCache.set(t, got[i] as number);
    }
    return texts.map((t) => fixedCache.get(t) as number);
  };

  for (let start = 0; start < items.length; start += chunkSize) {
    // Per-question template parts are only reused within a chunk; keep the cache small.
    if (options.template.usesQuestion) fixedCache.clear();
    const drafts: Draft[] = items.slice(start, start + chunkSize).map((item) => ({
      item,
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
      prefixTokens: 0,
      suffixTokens: 0,
    }));
    const head = renderHeader(sized.layout, 1);
    const pre = await countCached(drafts.map((d) => d.prefix + head));
    const suf = await countCached(drafts.map((d) => d.suffix));
    drafts.forEach((d, i) => {
      d.prefixTokens = (pre[i] as number) - header1;
      d.suffixTokens = suf[i] as number;
    });

    for (const d of drafts) {
      const sel = selectDocuments(
        sized,
        {
          own: d.item.qa.docs,
          gold: d.item.qa.gold,
          budget,
          fixed: d.prefixTokens + d.suffixTokens,
          fill: options.placement.kind !== "relevant-only",
        },
        d.rng,
      );
      if (typeof sel === "string") {
        d.skip = sel;
        continue;
      }
      d.selection = sel;
      d.order = placeDocuments(options.placement, sel.core, new Set(d.item.qa.gold), sel.fillers, d.rng);
    }

    await measure(drafts, ctx, options, exact);
    for (const d of drafts) {
      while (d.tokens !== undefined && d.tokens > budget && !d.skip) {
        if (!dropOne(d, sized, budget))
          d.skip = `prompt needs ${d.tokens} tokens even with fillers removed, budget ${budget}`;
        else await measure([d], ctx, options, exact);
      }
    }

    const toCheck = drafts.filter(
      (d) =>
        !d.skip &&
        exact &&
        (options.checkBudget === "all" || (options.checkBudget === "sample" && d.item.index % 100 === 0)),
    );
    if (toCheck.length > 0) {
      const counted = await counter.countBatch(toCheck.map((d) => renderText(d, sized, options)));
      toCheck.forEach((d, i) => {
        if (counted[i] !== d.tokens)
          throw new Error(
            `Token accounting mismatch for sample ${d.item.index} (id "${d.item.qa.id}"): computed ${d.tokens}, counted ${counted[i]} with ${counter.name}. The tokenizer is not additive at passage boundaries; report this, and use --check-budget all meanwhile.`,
          );
      });
    }
    const checked = new Set(toCheck);

    for (const d of drafts) {
      if (d.skip || !d.order || d.tokens === undefined) {
        yield {
          kind: "skip",
          index: d.item.index,
          sourceIndex: d.item.sourceIndex,
          id: d.item.qa.id,
          reason: d.skip ?? "not measured",
        };
        continue;
      }
      const goldSet = new Set(d.item.qa.gold);
      const gold_positions: number[] = [];
      d.order.forEach((doc, i) => {
        if (goldSet.has(doc)) gold_positions.push(i + 1);
      });
      const record: PlainRecord = {
        index: d.item.index,
        source_index: d.item.sourceIndex,
        id: d.item.qa.id,
        input: d.item.qa.question,
        context: renderText(d, sized, options),
        answers: d.item.qa.answers,
        answer_aliases: d.item.qa.aliases,
        length: d.tokens + options.tokensToGenerate,
        prompt_length: d.tokens,
        target_length: options.maxSeqLength,
        num_docs: d.order.length,
        gold_positions,
        dataset: options.dataset,
        seed: options.seed,
        placement: formatPlacement(options.placement),
      };
      if (options.distractQuestions >= 0 && ctx.pool) {
        const rng = Rng.derive(
          "distract",
          options.seed,
          options.dataset,
          options.maxSeqLength,
          d.item.sourceIndex,
        );
        record.distract_questions = ctx.pool.sample(d.item.qa, options.distractQuestions, rng);
      }
      yield { kind: "sample", record, verified: checked.has(d) || !exact };
    }
  }
}

function renderText(d: Draft, sized: SizedCorpus, options: PlainOptions): string {
  if (d.text !== undefined) return d.text;
  const docs = (d.order ?? []).map((id) => sized.docs[id] as string);
  const text = d.prefix + renderContext(sized.layout, docs) + d.suffix;
  d.text = options.removeNewlineTab ? collapseWhitespace(text) : text;
  return d.text;
}

/** Set `tokens` of each draft: exactly from cached counts (plus one count of last doc + suffix), or by counting. */
async function measure(
  drafts: Draft[],
  ctx: PlainContext,
  options: PlainOptions,
  exact: boolean,
): Promise<void> {
  const live = drafts.filter((d) => !d.skip && d.order);
  for (const d of live) d.text = undefined;
  if (!exact) {
    const counts = await ctx.counter.countBatch(live.map((d) => renderText(d, ctx.sized, options)));
    live.forEach((d, i) => {
      d.tokens = counts[i] as number;
    });
    return;
  }
  const { sized } = ctx;
  const tails = await ctx.counter.countBatch(
    live.map((d) => (sized.docs[(d.order as number[]).at(-1) as number] as string) + d.suffix),
  );
  live.forEach((d, i) => {
    const order = d.order as number[];
    let sum = 0;
    for (let k = 0; k < order.length - 1; k++) sum += sized.units[order[k] as number] as number;
    d.tokens = d.prefixTokens + sized.headers(order.length) + sum + (tails[i] as number);
  });
}

/**
 * Remove one filler (or, when none is left, one own non-gold document) to bring the prompt under budget: the
 * smallest document that alone covers the excess, otherwise the largest. False when nothing is removable.
 */
function dropOne(d: Draft, sized: SizedCorpus, budget: number): boolean {
  const order = d.order as number[];
  const sel = d.selection as Selection;
  const gold = new Set(d.item.qa.gold);
  const removable = sel.fillers.length > 0 ? sel.fillers : sel.core.filter((x) => !gold.has(x));
  if (removable.length === 0) return false;
  const excess = (d.tokens as number) - budget;
  let enough = -1;
  let largest = -1;
  for (const x of removable) {
    const u = sized.units[x] as number;
    if (largest < 0 || u > (sized.units[largest] as number)) largest = x;
    if (u >= excess && (enough < 0 || u < (sized.units[enough] as number))) enough = x;
  }
  const victim = enough >= 0 ? enough : largest;
  order.splice(order.indexOf(victim), 1);
  sel.fillers = sel.fillers.filter((x) => x !== victim);
  sel.core = sel.core.filter((x) => x !== victim);
  return true;
}
