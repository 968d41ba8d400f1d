import { createHash } from "node:crypto";
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
import { formatPlacement, type Placement } from "../compose/placement.js";
import type { QuestionPool } from "../compose/question-pool.js";
import type { SizedCorpus } from "../compose/sized-corpus.js";
import type { SharedText } from "../io/json-line.js";
import { assertRendered, type ChatTemplate, userFrame } from "../prompt/chat-template.js";
import { promptMessages } from "../prompt/messages.js";
import { type KeychainPromptVariant, keychainUserParts } from "../prompt/templates.js";
import { Rng } from "../rng.js";
import type { WindowItem } from "../run/windows.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { buildRoutes, formatTopology, idsNeeded, type KeyRoutes, type Topology } from "./chains.js";
import { drawIds, formatIdFormat, type IdFormat, IdScreen } from "./ids.js";
import {
  documentPoints,
  type InsertionPoint,
  insertAt,
  insertAtJson,
  insertionText,
  insertionTokenText,
  packedInsertionPoints,
  packPoint,
  unpackPoint,
} from "./insertion.js";
import { serializePair } from "./pairs.js";
import type { KeychainRecord } from "./record.js";

/** Resolved options of KeyChain synthesis. */
export interface KeychainSampleOptions {
  dataset: string;
  maxSeqLength: number;
  tokensToGenerate: number;
  seed: number;
  placement: Placement;
  /** Routes per instance: 1 true + (chains − 1) distractor chains. */
  chains: number;
  /** Ids per route (3 key→key links then key→question for 4). */
  hops: number;
  idFormat: IdFormat;
  topology: Topology;
  /** Distractor questions sampled per instance (stored); the first chains − 1 are used. */
  distractorQuestions: number;
  promptVariant: KeychainPromptVariant;
  /** Text of the system message; undefined = none. */
  system: string | undefined;
  /** The chat template the trainer applies: the budget is counted on its rendering of the messages. */
  chatTemplate: ChatTemplate;
  checkBudget: BudgetCheck;
}

export interface KeychainContext {
  sized: SizedCorpus;
  counter: TokenCounter;
  pool: QuestionPool;
}

export type KeychainResult =
  | { kind: "sample"; record: KeychainRecord; verified: boolean; shared: readonly SharedText[] }
  | { kind: "skip"; index: number; sourceIndex: number; id: string; reason: string };

/** Attempts per question when a drawn id happens to occur in the documents (or, without exact counting,
 * when the pairs pushed the prompt over budget). */
const MAX_ATTEMPTS = 4;

export function isKeychainExact(ctx: { counter: TokenCounter; sized: SizedCorpus }): boolean {
  return ctx.counter.newlineAdditive && layoutIsNewlineBounded(ctx.sized.layout);
}

interface Plan {
  item: WindowItem;
  attempt: number;
  extraReserve: number;
  distract: string[];
  ids: string[];
  routes: KeyRoutes;
  /** Serialised pairs in insertion order (shuffled). */
  pairs: string[];
  /** Tokens each pair adds at a line point and at a sentence point. */
  lineTokens: number[];
  sentenceTokens: number[];
  prefix: string;
  suffix: string;
  rng: Rng;
}

/**
 * KeyChain instances, in input order. Each instance's pairs are drawn first and their exact token cost
 * reserved; documents fill the rest of L − G; pairs then go to random safe insertion points. Everything the
 * model reads — chat template (optional), instruction, context with pairs, start key — is ≤ L − G tokens.
 */
export async function* synthesizeKeychain(
  ctx: KeychainContext,
  items: readonly WindowItem[],
  options: KeychainSampleOptions,
  chunkSize = KEYCHAIN_CHUNK,
): AsyncGenerator<KeychainResult> {
  yield* new KeychainSynthesizer(ctx, options).synthesize(items, chunkSize);
}

/** Instances per batch of tokenizer calls. */
export const KEYCHAIN_CHUNK = 16;

/**
 * {@link synthesizeKeychain} for one data set at one length, kept between calls: a worker thread is handed the
 * questions of a file a chunk at a time, and what it learnt of the documents (insertion points, which ones
 * may hold an id) and of the tokenizer stays known. Every instance depends on its own question and seed only,
 * so any split into calls gives the same instances.
 */
export class KeychainSynthesizer {
  private readonly exact: boolean;
  private readonly budget: number;
  private readonly chat: { prefix: string; suffix: string };
  private readonly composer: Composer;
  private readonly screen: IdScreen;
  private readonly edges: EdgeDeltas | undefined;
  /** The fixed prompt text (its example UUID included), without the head key that is filled in per instance. */
  private readonly templateText: string;
  /** Each document's own insertion points, packed ({@link packPoint}): ~100 bytes a document. */
  private readonly docPoints = new Map<number, Int32Array>();
  private ready: Promise<void> | undefined;

  constructor(
    private readonly ctx: KeychainContext,
    private readonly options: KeychainSampleOptions,
  ) {
    this.exact = isKeychainExact(ctx);
    this.budget = options.maxSeqLength - options.tokensToGenerate;
    this.chat = userFrame(options.chatTemplate, promptMessages(options.system, "").slice(0, -1));
    this.composer = new Composer(ctx.sized, ctx.counter, {
      budget: this.budget,
      placement: options.placement,
      removeNewlineTab: false,
      exact: this.exact,
      frame: this.chat,
    });
    this.screen = new IdScreen(options.idFormat, ctx.sized.docs);
    this.edges =
      this.exact && ctx.counter.countShort && options.idFormat.kind !== "nano"
        ? new EdgeDeltas(ctx.counter as Required<Pick<TokenCounter, "countShort">>)
        : undefined;
    const bare = keychainUserParts(options.promptVariant, "");
    this.templateText = this.chat.prefix + bare.prefix + bare.suffix + this.chat.suffix;
  }

  /** The escaped context of `b` with `inserts`, from its escaped context (see {@link insertAtJson}). */
  private escapedInserted(
    b: Composed,
    docs: readonly string[],
    inserts: readonly { at: number; text: string }[],
  ): Uint8Array | undefined {
    const bodies = this.ctx.sized.escapedBodies(b.order);
    if (!bodies || !b.contextJson) return undefined;
    return insertAtJson(b.contextJson, this.ctx.sized.layout, docs, bodies, inserts);
  }

  /** Document `id`'s own insertion points, packed ({@link packPoint}). */
  private pointsOf(id: number): Int32Array {
    let packed = this.docPoints.get(id);
    if (!packed) {
      if (this.docPoints.size > 500_000) this.docPoints.clear();
      packed = Int32Array.from(documentPoints(this.ctx.sized.docs.at(id) as string), packPoint);
      this.docPoints.set(id, packed);
    }
    return packed;
  }

  /** The instances of `items`, in order. */
  async *synthesize(
    items: readonly WindowItem[],
    chunkSize = KEYCHAIN_CHUNK,
  ): AsyncGenerator<KeychainResult> {
    const { ctx, options, exact, budget, chat, composer, screen, edges, templateText } = this;
    this.ready ??= composer.init();
    await this.ready;
    for (let start = 0; start < items.length; start += chunkSize) {
      const chunk = items.slice(start, start + chunkSize);
      const results = new Map<number, KeychainResult>();
      let pending = chunk.map((item) => ({ item, attempt: 0, extraReserve: 0 }));
      while (pending.length > 0) {
        const plans = pending.map((p) => plan(p.item, p.attempt, p.extraReserve, ctx, options));
        await countPairs(plans, ctx.counter, edges);
        const built = await composer.compose(
          plans.map((p) => ({
            qa: p.item.qa,
            rng: p.rng,
            prefix: p.prefix,
            suffix: p.suffix,
            reserve: p.extraReserve + reserveFor(p),
          })),
        );
        const retry: typeof pending = [];
        const finals: {
          plan: Plan;
          composed: Composed;
          record: KeychainRecord;
          text: string;
          /** The pair-filled context (which the user message holds between the prefix and suffix), and the context. */
          shared: SharedText[];
        }[] = [];
        for (const [i, b] of built.entries()) {
          const p = plans[i] as Plan;
          const skip = (reason: string) =>
            results.set(p.item.index, {
              kind: "skip",
              index: p.item.index,
              sourceIndex: p.item.sourceIndex,
              id: p.item.qa.id,
              reason,
            });
          if ("skip" in b) {
            skip(b.skip);
            continue;
          }
          if (screen.occurring(p.ids, b.order, templateText).length > 0) {
            if (p.attempt + 1 < MAX_ATTEMPTS)
              retry.push({ item: p.item, attempt: p.attempt + 1, extraReserve: p.extraReserve });
            else
              skip(
                `drawn ids kept occurring in the documents (${MAX_ATTEMPTS} attempts); use a longer --id-format`,
              );
            continue;
          }
          const docs = b.order.map((d) => ctx.sized.docs.at(d) as string);
          const points = packedInsertionPoints(docs, ctx.sized.layout, p.prefix.endsWith("\n"), (_doc, k) =>
            this.pointsOf(b.order[k] as number),
          );
          if (points.length < p.pairs.length) {
            skip(`only ${points.length} safe insertion points for ${p.pairs.length} pairs`);
            continue;
          }
          const chosen = p.rng
            .sampleIndices(points.length, p.pairs.length)
            .map((i) => unpackPoint(points[i] as number));
          const added = chosen.reduce(
            (sum, pt, k) =>
              sum + (pt.kind === "line" ? (p.lineTokens[k] as number) : (p.sentenceTokens[k] as number)),
            0,
          );
          const inserts = chosen.map((pt: InsertionPoint, k) => ({
            at: pt.at,
            text: insertionText(p.pairs[k] as string, pt.kind),
          }));
          const distractorContext = insertAt(b.context, inserts);
          const distractorJson = this.escapedInserted(b, docs, inserts);
          const user = p.prefix + distractorContext + p.suffix;
          const text = chat.prefix + user + chat.suffix;
          const record = makeRecord(p, b, distractorContext, user, b.tokens + added, options, ctx);
          if (isRenderChecked(options.checkBudget, exact, p.item.index)) {
            assertRendered(options.chatTemplate, record.prompt, text);
            const label = `KeyChain sample ${p.item.index} (id "${p.item.qa.id}")`;
            assertEscaped(b.context, b.contextJson, label);
            assertEscaped(distractorContext, distractorJson, label);
          }
          const shared: SharedText[] = [
            {
              text: distractorContext,
              ...(distractorJson ? { json: distractorJson } : {}),
              within: [{ string: user, before: p.prefix, after: p.suffix }],
            },
            { text: b.context, ...(b.contextJson ? { json: b.contextJson } : {}) },
          ];
          finals.push({ plan: p, composed: b, record, text, shared });
        }
        const rejected = new Set<(typeof finals)[number]>();
        if (!exact && finals.length > 0) {
          const counted = await ctx.counter.countBatch(finals.map((f) => f.text));
          for (const [i, f] of finals.entries()) {
            const n = counted[i] as number;
            f.record.prompt_length = n;
            f.record.length = n + options.tokensToGenerate;
            if (n > budget) {
              // Not exact by construction: reserve the excess and build again.
              if (f.plan.attempt + 1 < MAX_ATTEMPTS)
                retry.push({
                  item: f.plan.item,
                  attempt: f.plan.attempt + 1,
                  extraReserve: f.plan.extraReserve + (n - budget),
                });
              else
                results.set(f.plan.item.index, {
                  kind: "skip",
                  index: f.plan.item.index,
                  sourceIndex: f.plan.item.sourceIndex,
                  id: f.plan.item.qa.id,
                  reason: `prompt with pairs needs ${n} tokens, budget ${budget}`,
                });
              rejected.add(f);
            }
          }
        }
        const kept = finals.filter((f) => !rejected.has(f));
        const checked = kept.filter((f) => exact && isChecked(options.checkBudget, f.plan.item.index));
        await assertCounts(
          ctx.counter,
          checked.map((f) => ({
            text: f.text,
            tokens: f.record.prompt_length,
            label: `KeyChain sample ${f.plan.item.index} (id "${f.plan.item.qa.id}")`,
          })),
        );
        const checkedSet = new Set(checked);
        for (const f of kept)
          results.set(f.plan.item.index, {
            kind: "sample",
            record: f.record,
            verified: checkedSet.has(f) || !exact,
            shared: f.shared,
          });
        pending = retry;
      }
      for (const item of chunk) yield results.get(item.index) as KeychainResult;
    }
  }
}

function plan(
  item: WindowItem,
  attempt: number,
  extraReserve: number,
  ctx: KeychainContext,
  options: KeychainSampleOptions,
): Plan {
  const base = [options.seed, options.dataset, options.maxSeqLength, item.sourceIndex, item.qa.id] as const;
  const distract = ctx.pool.sample(item.qa, options.distractorQuestions, Rng.derive("kc-distract", ...base));
  const rng = Rng.derive("keychain", ...base, attempt);
  const ids = drawIds(options.idFormat, rng, idsNeeded(options.topology, options.chains, options.hops));
  const routes = buildRoutes(
    options.topology,
    ids,
    options.chains,
    options.hops,
    item.qa.question,
    distract.slice(0, options.chains - 1),
    rng,
  );
  const pairs = rng.shuffle(routes.pairs.map((pr) => serializePair(pr.key, pr.value)));
  const user = keychainUserParts(options.promptVariant, routes.head);
  return {
    item,
    attempt,
    extraReserve,
    distract,
    ids,
    routes,
    pairs,
    lineTokens: [],
    sentenceTokens: [],
    prefix: user.prefix,
    suffix: user.suffix,
    rng,
  };
}

/**
 * Count what each pair adds at either kind of point, in one batch for all plans. With a pre-token memo counter
 * (GPT-style split pattern) and keys that start with a letter or digit, only the line form is counted: the
 * sentence form ` {pair}.` differs from `{pair}.\n` only in its first pre-token (`{"` gains the leading space)
 * and its last (the value's trailing punctuation + `"}.` loses the newline), so its count is the line count
 * plus a difference that depends on that trailing punctuation alone and is remembered.
 */
async function countPairs(
  plans: Plan[],
  counter: TokenCounter,
  edges: EdgeDeltas | undefined,
): Promise<void> {
  const texts: string[] = [];
  for (const p of plans)
    for (const pair of p.pairs) {
      texts.push(insertionTokenText(pair, "line"));
      if (!edges) texts.push(insertionTokenText(pair, "sentence"));
    }
  const counts = await (counter.countShort ? counter.countShort(texts) : counter.countBatch(texts));
  const deltas = edges ? await edges.deltas(plans.flatMap((p) => p.pairs)) : [];
  let k = 0;
  let d = 0;
  for (const p of plans) {
    p.lineTokens = [];
    p.sentenceTokens = [];
    for (let i = 0; i < p.pairs.length; i++) {
      const line = counts[k++] as number;
      p.lineTokens.push(line);
      p.sentenceTokens.push(edges ? line + (deltas[d++] as number) : (counts[k++] as number));
    }
  }
}

/** Remembered differences between a pair's sentence-form and line-form counts, by the value's trailing run. */
export class EdgeDeltas {
  private readonly memo = new Map<string, number>();
  constructor(private readonly counter: Required<Pick<TokenCounter, "countShort">>) {}

  async deltas(pairs: readonly string[]): Promise<number[]> {
    const tails = pairs.map(trailingRun);
    const missing = [...new Set(tails.filter((t) => !this.memo.has(t)))];
    if (missing.length > 0) {
      const texts = ['{"', ' {"', ...missing.flatMap((t) => [`${t}}.`, `${t}}.\n`])];
      const c = await this.counter.countShort(texts);
      const head = (c[1] as number) - (c[0] as number);
      for (const [i, t] of missing.entries())
        this.memo.set(t, head + (c[2 + 2 * i] as number) - (c[3 + 2 * i] as number));
    }
    return tails.map((t) => this.memo.get(t) as number);
  }
}

/** The last pre-token run of a serialised pair before its closing brace: ` ?[^\s\p{L}\p{N}]+` ending in `"`. */
function trailingRun(pair: string): string {
  const body = pair.slice(0, -1); // drop "}"
  const m = / ?[^\s\p{L}\p{N}]+$/u.exec(body);
  return m ? m[0] : "";
}

function reserveFor(p: Plan): number {
  let r = 0;
  for (let i = 0; i < p.pairs.length; i++)
    r += Math.max(p.lineTokens[i] as number, p.sentenceTokens[i] as number);
  return r;
}

const hash16 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);

function makeRecord(
  p: Plan,
  b: Composed,
  distractorContext: string,
  user: string,
  tokens: number,
  options: KeychainSampleOptions,
  ctx: KeychainContext,
): KeychainRecord {
  const gold = goldPositions(b.order, p.item.qa.gold);
  return {
    index: p.item.index,
    source_index: p.item.sourceIndex,
    id: p.item.qa.id,
    kind: "keychain",
    input: p.item.qa.question,
    context: b.context,
    answers: p.item.qa.answers,
    answer_aliases: p.item.qa.aliases,
    length: tokens + options.tokensToGenerate,
    distract_questions: p.distract,
    distractor_context: distractorContext,
    chain_head_with_question: p.routes.head,
    chain: p.routes.path,
    num_chains: options.chains,
    hops: options.hops,
    id_format: formatIdFormat(options.idFormat),
    topology: formatTopology(options.topology),
    prompt_length: tokens,
    target_length: options.maxSeqLength,
    num_docs: b.order.length,
    gold_positions: gold,
    gold_hashes: gold.map((pos) => hash16(ctx.sized.docs.at(b.order[pos - 1] as number) as string)),
    num_pairs: p.pairs.length,
    prompt_variant: options.promptVariant,
    dataset: options.dataset,
    seed: options.seed,
    placement: formatPlacement(options.placement),
    chat_template: options.chatTemplate.name,
    chat_template_hash: options.chatTemplate.hash,
    prompt: promptMessages(options.system, user),
  };
}
