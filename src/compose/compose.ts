import type { QaRecord } from "../corpus/types.js";
import { escapedBody } from "../io/json-line.js";
import type { Rng } from "../rng.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { renderContext, renderContextJson, renderHeader } from "./layout.js";
import { type Placement, placeDocuments } from "./placement.js";
import { type Selection, selectDocuments } from "./select.js";
import type { SizedCorpus } from "./sized-corpus.js";
import { collapseWhitespace } from "./whitespace.js";

/** One prompt to build: a question's documents between a fixed prefix and suffix of the user message. */
export interface ComposeJob {
  qa: QaRecord;
  /** Draws selection and placement. */
  rng: Rng;
  /** User message text before the context (instruction). */
  prefix: string;
  /** User message text after the context (question, start key). */
  suffix: string;
  /** Tokens to keep free for text inserted into the context later (KeyChain pairs). */
  reserve: number;
}

/** A built prompt: documents in passage order, and its exact token count. */
export interface Composed {
  job: ComposeJob;
  /** Doc ids in passage order. */
  order: number[];
  /** Tokens of `text` (≤ budget − reserve). */
  tokens: number;
  /** The rendered context (passages only). */
  context: string;
  /** `context` as it is inside a JSON string, when the corpus has its documents escaped ({@link SizedCorpus.escaped}). */
  contextJson?: Uint8Array;
  /** The user message: prefix + context + suffix (collapsed when removeNewlineTab). */
  user: string;
  /** What the model reads: the frame's prefix + user message + the frame's suffix. */
  text: string;
}

export interface ComposeSettings {
  /** Prompt token budget L − G. */
  budget: number;
  placement: Placement;
  removeNewlineTab: boolean;
  /** Count by construction (true) or by tokenising each rendered prompt (false). */
  exact: boolean;
  /** Text the chat template puts around the user message (system turn, generation prompt); counted too. */
  frame: { prefix: string; suffix: string };
}

interface Rendered {
  context: string;
  contextJson?: Uint8Array;
  user: string;
  text: string;
}

interface Draft {
  job: ComposeJob;
  prefixTokens: number;
  suffixTokens: number;
  selection?: Selection;
  order?: number[];
  tokens?: number;
  /** The rendered context and prompt of `order`, kept when measuring counted them in full. */
  rendered?: Rendered;
  skip?: string;
}

/**
 * Builds prompts that fit a token budget. Token counts of documents come from the sized corpus; fixed texts
 * (frame and user prefix, user suffix and frame suffix) are counted once per distinct text; with `exact`, a
 * prompt's length is `prefix + headers + Σ documents + (last document + suffix)` — the last piece counted
 * together because a suffix may merge with the end of the last document. Otherwise the rendered prompt is counted in full.
 * Prompts over budget lose fillers (then own non-gold documents) until they fit; a prompt whose gold documents
 * cannot fit is a skip with the reason.
 */
export class Composer {
  private readonly fixed = new Map<string, number>();

  constructor(
    readonly sized: SizedCorpus,
    readonly counter: TokenCounter,
    readonly settings: ComposeSettings,
  ) {}

  async init(): Promise<void> {
    await this.sized.ensureHeaders(this.sized.maxPassages(this.settings.budget) + 1, this.counter);
  }

  /** Build a batch of prompts (order kept). */
  async compose(jobs: readonly ComposeJob[]): Promise<(Composed | { job: ComposeJob; skip: string })[]> {
    if (this.fixed.size > 4096) this.fixed.clear();
    const { sized, settings } = this;
    const head = renderHeader(sized.layout, 1);
    const { frame } = settings;
    const pre = await this.countFixed(jobs.map((j) => frame.prefix + j.prefix + head));
    const suf = await this.countFixed(jobs.map((j) => j.suffix + frame.suffix));
    const drafts: Draft[] = jobs.map((job, i) => ({
      job,
      prefixTokens: (pre[i] as number) - sized.headers(1),
      suffixTokens: suf[i] as number,
    }));
    for (const d of drafts) {
      const budget = settings.budget - d.job.reserve;
      const sel = selectDocuments(
        sized,
        {
          own: d.job.qa.docs,
          gold: d.job.qa.gold,
          budget,
          fixed: d.prefixTokens + d.suffixTokens,
          fill: settings.placement.kind !== "relevant-only",
        },
        d.job.rng,
      );
      if (typeof sel === "string") d.skip = sel;
      else {
        d.selection = sel;
        d.order = placeDocuments(
          settings.placement,
          sel.core,
          new Set(d.job.qa.gold),
          sel.fillers,
          d.job.rng,
        );
      }
    }
    await this.measure(drafts);
    // Drop one document from every prompt over budget, then re-measure those together (one batch per round).
    const over = (d: Draft) => !d.skip && (d.tokens as number) > settings.budget - d.job.reserve;
    let round = drafts.filter(over);
    while (round.length > 0) {
      for (const d of round) {
        const budget = settings.budget - d.job.reserve;
        if (!dropOne(d, sized, budget))
          d.skip = `prompt needs ${d.tokens} tokens even with fillers removed, budget ${budget}`;
      }
      await this.measure(round);
      round = round.filter(over);
    }
    return drafts.map((d) => {
      if (d.skip !== undefined || !d.order || d.tokens === undefined)
        return { job: d.job, skip: d.skip ?? "not measured" };
      const { context, contextJson, user, text } = d.rendered ?? this.render(d.job, d.order);
      return {
        job: d.job,
        order: d.order,
        tokens: d.tokens,
        context,
        ...(contextJson ? { contextJson } : {}),
        user,
        text,
      };
    });
  }

  private render(job: ComposeJob, order: readonly number[]): Rendered {
    const { sized, settings } = this;
    const context = renderContext(
      sized.layout,
      order.map((id) => sized.docs.at(id) as string),
    );
    const raw = job.prefix + context + job.suffix;
    const user = settings.removeNewlineTab ? collapseWhitespace(raw) : raw;
    const text = settings.frame.prefix + user + settings.frame.suffix;
    const bodies = sized.escapedBodies(order);
    const contextJson = bodies && renderContextJson(sized.layout, bodies);
    return contextJson ? { context, contextJson, user, text } : { context, user, text };
  }

  /**
   * Counts of the short texts around the documents (a question's prefix and suffix, a last document with the
   * suffix): through the counter's pre-token memo when it has one (the same counts, without the native
   * tokenizer for the words it has seen).
   */
  private countPieces(texts: readonly string[]): Promise<number[]> {
    const c = this.counter;
    return c.countShort ? c.countShort(texts) : c.countBatch(texts);
  }

  private async countFixed(texts: string[]): Promise<number[]> {
    const missing = [...new Set(texts.filter((t) => !this.fixed.has(t)))];
    if (missing.length > 0) {
      const got = await this.countPieces(missing);
      for (const [i, t] of missing.entries()) this.fixed.set(t, got[i] as number);
    }
    return texts.map((t) => this.fixed.get(t) as number);
  }

  private async measure(drafts: Draft[]): Promise<void> {
    const { sized } = this;
    const live = drafts.filter((d) => !d.skip && d.order);
    if (live.length === 0) return;
    if (!this.settings.exact) {
      for (const d of live) d.rendered = this.render(d.job, d.order as number[]);
      const counts = await this.counter.countBatch(live.map((d) => (d.rendered as { text: string }).text));
      for (const [i, d] of live.entries()) d.tokens = counts[i] as number;
      return;
    }
    const { frame } = this.settings;
    const tails = await this.countPieces(
      live.map(
        (d) =>
          (sized.docs.at((d.order as number[]).at(-1) as number) as string) + d.job.suffix + frame.suffix,
      ),
    );
    for (const [i, d] of live.entries()) {
      const order = d.order as number[];
      let sum = 0;
      for (let k = 0; k < order.length - 1; k++) sum += sized.units[order[k] as number] as number;
      d.tokens = d.prefixTokens + sized.headers(order.length) + sum + (tails[i] as number);
    }
  }
}

/**
 * Remove one filler (or, when none is left, one own non-gold document) to bring the prompt under budget: the
 * smallest document that alone covers the excess, otherwise the largest. False when nothing is removable.
 */
function dropOne(d: Draft, sized: SizedCorpus, budget: number): boolean {
  const order = d.order as number[];
  const sel = d.selection as Selection;
  const gold = new Set(d.job.qa.gold);
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

/**
 * Re-tokenise prompts in full and compare with their computed lengths; a difference means the tokenizer broke
 * the additivity the construction relies on, which must never pass silently.
 */
export async function assertCounts(
  counter: TokenCounter,
  entries: readonly { text: string; tokens: number; label: string }[],
): Promise<void> {
  if (entries.length === 0) return;
  const counted = await counter.countBatch(entries.map((e) => e.text));
  for (const [i, e] of entries.entries()) {
    if (counted[i] !== e.tokens)
      throw new Error(
        `Token accounting mismatch for ${e.label}: computed ${e.tokens}, counted ${counted[i]} with ${counter.name}. ` +
          "The tokenizer is not additive at the boundaries used; please report this, and use --check-budget all meanwhile.",
      );
  }
}

/** How each emitted prompt's length is checked against a full re-tokenisation. */
export type BudgetCheck = "sample" | "all" | "off";

/** Whether a window position is re-counted under a budget-check mode. */
export function isChecked(mode: BudgetCheck, index: number): boolean {
  return mode === "all" || (mode === "sample" && index % 100 === 0);
}

/**
 * Whether a sample's stored messages are rendered through the chat template again to check they give the
 * measured text: every sample when counts are not exact by construction or every prompt is re-counted, else
 * every 100th (whatever the mode: rendering is cheap next to counting).
 */
export function isRenderChecked(mode: BudgetCheck, exact: boolean, index: number): boolean {
  return !exact || mode === "all" || index % 100 === 0;
}

/**
 * Require a text's escaped form (a context's, made from the corpus's escaped documents) to be exactly its
 * escaping; run where the render check runs. Escaped bytes are copied into the output as they are, so a
 * wrong table must not pass silently.
 */
export function assertEscaped(text: string, json: Uint8Array | undefined, label: string): void {
  if (json && !Buffer.from(json).equals(escapedBody(text)))
    throw new Error(
      `The escaped context of ${label} differs from its context (the corpus's escaped documents do not match its documents); please report this`,
    );
}

/** 1-based passage numbers of the gold documents in a passage order. */
export function goldPositions(order: readonly number[], gold: readonly number[]): number[] {
  const goldSet = new Set(gold);
  const out: number[] = [];
  for (const [i, doc] of order.entries()) if (goldSet.has(doc)) out.push(i + 1);
  return out;
}
