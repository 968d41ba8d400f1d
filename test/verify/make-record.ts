/**
 * Test helper: hand-built KeyChain records (independent of the generator). Documents are laid out with the
 * default passage layout, one chain (or binary tree) per question is built with deterministic ids, and the
 * pairs are inserted at allowed points (line starts and sentence boundaries) chosen by a seeded RNG.
 */

import { createHash } from "node:crypto";
import { DEFAULT_LAYOUT, renderContext, renderHeader } from "../../src/compose/layout.js";
import type { KeychainRecord } from "../../src/keychain/record.js";
import { type ChatTemplate, NO_CHAT_TEMPLATE, presetTemplate } from "../../src/prompt/chat-template.js";
import { promptMessages, renderUserMessage, systemOf } from "../../src/prompt/messages.js";
import { Rng } from "../../src/rng.js";
import { approxTokens } from "../../src/tokenizer/approx.js";
import { documentHash } from "../../src/verify/passages.js";

export type Pair = readonly [key: string, value: string];

export const DOCS: readonly string[] = [
  'Varlo Press\nVarlo Press is a publisher founded in 1921 in Lyon. It printed 2.1 million books by 1950! Its founder, Ada Varlo, called it "a house of small books." The press closed in 1999.',
  "Ada Varlo\nAda Varlo (1890–1961) was a French printer. She trained in Paris? No, she trained in Geneva. She married the engraver Paul Mire in 1919.\nShe is buried in Lyon.",
  "Paul Mire\nPaul Mire was an engraver (born 1888). His plates illustrated the first Varlo atlas. He taught at the Lyon school of fine arts from 1925 to 1940.",
  'Lyon School of Fine Arts\nThe school was founded in 1756. It is one of the oldest art schools in France. Its library holds {"catalogue": 1} and {"note": "kept"}. The school moved in 2007.',
  "Geneva Printing Guild\nThe guild trained apprentices. Members paid dues twice a year. The guild dissolved in 1936 after a long strike.",
];

export const QUESTIONS: readonly string[] = [
  "Who founded Varlo Press?",
  "Where did Ada Varlo train?",
  "When was the Lyon School of Fine Arts founded?",
  "When did the Geneva Printing Guild dissolve?",
];

/** Deterministic id number `n` of a record seeded with `seed`, in `format` (`uuid`, `hex:N`, `nano:N`). */
export function testId(seed: number, n: number, format = "uuid"): string {
  const h = createHash("sha256").update(`test-id:${seed}:${n}`).digest("hex");
  if (format === "uuid") {
    const variant = "89ab"[Number.parseInt(h[16] as string, 16) & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  const [kind, size] = format.split(":");
  const len = Number(size);
  if (kind === "hex") return h.slice(0, len);
  const alphabet = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return [...Buffer.from(h, "hex")]
    .slice(0, len)
    .map((b) => alphabet[b & 63])
    .join("");
}

/** `{"key": "value"}`, both JSON-escaped. */
export function pairText([key, value]: Pair): string {
  return `{${JSON.stringify(key)}: ${JSON.stringify(value)}}`;
}

/** Allowed insertion points of a plain context: line starts (not right after a header) and sentence ends. */
export function allowedPoints(context: string): { at: number; kind: "line" | "sentence" }[] {
  const points: { at: number; kind: "line" | "sentence" }[] = [];
  for (const m of context.matchAll(/\n(?=\S)/g)) {
    const at = (m.index as number) + 1;
    if (!/Passage [0-9]+:\n$/.test(context.slice(Math.max(0, at - 20), at)))
      points.push({ at, kind: "line" });
  }
  for (const m of context.matchAll(/[.?!]["')\]]? (?=\S)/g))
    points.push({ at: (m.index as number) + m[0].length, kind: "sentence" });
  return points.sort((a, b) => a.at - b.at);
}

/** The insertion text of a pair at a point of that kind. */
export function insertionText(pair: Pair, kind: "line" | "sentence"): string {
  return pairText(pair) + (kind === "line" ? ".\n" : ". ");
}

/** `context` with each pair inserted at the point of the same index (several pairs may share a point). */
export function insertPairs(
  context: string,
  placed: readonly { pair: Pair; at: number; kind: "line" | "sentence" }[],
): string {
  const sorted = [...placed].sort((a, b) => b.at - a.at);
  let out = context;
  for (const p of sorted) out = out.slice(0, p.at) + insertionText(p.pair, p.kind) + out.slice(p.at);
  return out;
}

export interface BuildOptions {
  docs?: readonly string[];
  /** The true question first, then one distractor question per distractor chain. */
  questions?: readonly string[];
  /** Keys per chain (pairs per chain). @default 3 */
  hops?: number;
  idFormat?: string;
  /** Binary trees of this many levels instead of chains (topology `tree:2`). */
  treeLevels?: number;
  seed?: number;
  /** 1-based gold passages. @default [1, 2] */
  gold?: readonly number[];
  /** G. @default 64 */
  tokensToGenerate?: number;
  /** L. @default 4096 */
  targetLength?: number;
  promptVariant?: "default" | "find-first";
  chatTemplate?: "none" | "qwen_orz_boxed";
}

export interface Built {
  record: KeychainRecord;
  /** All pairs, in chain order (true chain first). */
  pairs: Pair[];
  /** Where each pair went in the plain context. */
  placed: { pair: Pair; at: number; kind: "line" | "sentence" }[];
}

/** A valid record; `prompt_length` is counted with the `approx` tokenizer. */
export function buildRecord(options: BuildOptions = {}): Built {
  const docs = options.docs ?? DOCS;
  const questions = options.questions ?? QUESTIONS;
  const seed = options.seed ?? 1;
  const idFormat = options.idFormat ?? "uuid";
  const gold = options.gold ?? [1, 2];
  let n = 0;
  const nextId = () => testId(seed, n++, idFormat);
  const pairs: Pair[] = [];
  let chain: string[] = [];
  const rng = Rng.derive("make-record", seed);
  let hops = options.hops ?? 3;
  questions.forEach((question, c) => {
    let path: string[];
    if (options.treeLevels === undefined) {
      path = Array.from({ length: hops }, nextId);
      for (let k = 0; k + 1 < path.length; k++) pairs.push([path[k] as string, path[k + 1] as string]);
      pairs.push([path.at(-1) as string, question]);
    } else {
      const size = 2 ** options.treeLevels - 1;
      const nodes = Array.from({ length: size }, nextId);
      for (let k = 0; 2 * k + 2 < size; k++)
        pairs.push(
          [nodes[k] as string, nodes[2 * k + 1] as string],
          [nodes[k] as string, nodes[2 * k + 2] as string],
        );
      const firstLeaf = (size - 1) / 2;
      const chosen = firstLeaf + rng.int(size - firstLeaf);
      for (let k = firstLeaf; k < size; k++)
        pairs.push([nodes[k] as string, k === chosen ? question : nextId()]);
      path = [];
      for (let k = chosen; ; k = Math.floor((k - 1) / 2)) {
        path.unshift(nodes[k] as string);
        if (k === 0) break;
      }
      hops = options.treeLevels;
    }
    if (c === 0) chain = path;
  });
  const context = renderContext(DEFAULT_LAYOUT, docs);
  const points = allowedPoints(context);
  const placed = rng.shuffle([...pairs]).map((pair) => {
    const point = points[rng.int(points.length)] as (typeof points)[number];
    return { pair, ...point };
  });
  const G = options.tokensToGenerate ?? 64;
  const record: KeychainRecord = {
    index: 0,
    source_index: 0,
    id: `test-${seed}`,
    input: questions[0] as string,
    context,
    answers: ["Ada Varlo"],
    answer_aliases: [],
    length: 0,
    distract_questions: questions.slice(1),
    distractor_context: insertPairs(context, placed),
    chain_head_with_question: chain[0] as string,
    chain,
    num_chains: questions.length,
    hops,
    id_format: idFormat,
    topology: options.treeLevels === undefined ? "chain" : "tree:2",
    prompt_length: 0,
    target_length: options.targetLength ?? 4096,
    num_docs: docs.length,
    gold_positions: [...gold],
    gold_hashes: gold.map((p) => documentHash(docs[p - 1] as string)),
    num_pairs: pairs.length,
    prompt_variant: options.promptVariant ?? "default",
    dataset: "test",
    seed,
    placement: "shuffle",
    kind: "keychain",
    chat_template: options.chatTemplate ?? "none",
    chat_template_hash: templateOf(options.chatTemplate ?? "none").hash,
    prompt: [],
  };
  return { record: withRecountedLength(record, G), pairs, placed };
}

function templateOf(name: string): ChatTemplate {
  return name === "none" ? NO_CHAT_TEMPLATE : presetTemplate(name as "qwen_orz_boxed");
}

/** The record's stored prompt rendered again from its fields (as the generator writes it), system kept. */
export function syncPrompt<R extends KeychainRecord>(record: R): R {
  const user = renderUserMessage(
    {
      kind: "keychain",
      variant: record.prompt_variant as "default",
      chainHead: record.chain_head_with_question,
    },
    record.distractor_context,
  );
  return { ...record, prompt: promptMessages(systemOf(record.prompt), user) };
}

/** What the model reads: the stored prompt through the record's chat template. */
export function renderPrompt(record: KeychainRecord): string {
  return templateOf(record.chat_template).render(record.prompt);
}

/** The record (prompt re-rendered from its fields) with `prompt_length` (approx tokens of the rendered
 * prompt) and `length` = that + G. */
export function withRecountedLength(record: KeychainRecord, tokensToGenerate: number): KeychainRecord {
  const synced = syncPrompt(record);
  const promptLength = approxTokens(renderPrompt(synced));
  return { ...synced, prompt_length: promptLength, length: promptLength + tokensToGenerate };
}

/** `renderHeader` of the default layout, for tests that aim at a header. */
export function header(i: number): string {
  return renderHeader(DEFAULT_LAYOUT, i);
}

/** The record's distractor_context without the insertion of `pair` (`{pair}.` and its separator). */
export function withoutPair(record: KeychainRecord, pair: Pair): string {
  const dc = record.distractor_context;
  const text = pairText(pair);
  const at = dc.indexOf(text);
  if (at < 0) throw new Error(`pair ${text} not found`);
  return dc.slice(0, at) + dc.slice(at + text.length + 2);
}

/** `text` inserted right after the first occurrence of `needle` in `dc`. */
export function insertAfter(dc: string, needle: string, text: string): string {
  const at = dc.indexOf(needle);
  if (at < 0) throw new Error(`${JSON.stringify(needle)} not found`);
  return dc.slice(0, at + needle.length) + text + dc.slice(at + needle.length);
}

/** A distractor pair (not on the true chain) whose value is a key. */
export function distractorLink(built: Built): Pair {
  const pair = built.pairs.find(
    ([k, v]) => !built.record.chain.includes(k) && built.pairs.some(([k2]) => k2 === v),
  );
  if (!pair) throw new Error("no distractor link");
  return pair;
}
