/**
 * The checks of `verifyRecord` after the pairs are found, one function per failure code. Each returns the
 * problems it finds (empty when the check passes); messages quote the values and give offsets into
 * `distractor_context`.
 */

import type { PassageLayout } from "../compose/layout.js";
import { findIdsInText, type IdFormat, type Topology } from "./ids.js";
import type { PairShape } from "./pair-scanner.js";
import { documentHash, splitPassages } from "./passages.js";
import type { VerifiableRecord } from "./read-record.js";

/** What a pair's value is: another key, a question (terminal), or an id that is no key (a dead end). */
export type ValueKind = "link" | "question" | "dead_end";

/** The inserted pairs of one record, indexed. */
export interface PairIndex {
  pairs: readonly PairShape[];
  byKey: ReadonlyMap<string, readonly PairShape[]>;
  /** `input` and `distract_questions`. */
  questionTexts: ReadonlySet<string>;
  kind(value: string): ValueKind;
}

/**
 * Indexes the pairs. A value that is no key is a question when it is `input` or one of `distract_questions`,
 * or when it does not look like an id of the record's format; otherwise it is a dead end.
 */
export function indexPairs(
  record: VerifiableRecord,
  pairs: readonly PairShape[],
  format: IdFormat,
): PairIndex {
  const byKey = new Map<string, PairShape[]>();
  for (const p of pairs) {
    const list = byKey.get(p.key);
    if (list) list.push(p);
    else byKey.set(p.key, [p]);
  }
  const questionTexts = new Set([record.input, ...record.distract_questions]);
  const kind = (value: string): ValueKind =>
    byKey.has(value)
      ? "link"
      : questionTexts.has(value) || !format.pattern.test(value)
        ? "question"
        : "dead_end";
  return { pairs, byKey, questionTexts, kind };
}

/** `duplicate_key`: a key is the key of one pair (in `tree:B`, of up to B pairs with different values). */
export function checkDuplicateKeys(index: PairIndex, topology: Topology): string[] {
  const problems: string[] = [];
  const limit = topology.kind === "tree" ? topology.branching : 1;
  for (const [key, list] of index.byKey) {
    if (list.length > limit)
      problems.push(
        `key ${JSON.stringify(key)} is the key of ${list.length} pairs (offsets ${list.map((p) => p.start).join(", ")})` +
          (topology.kind === "tree" ? `, more than the branching ${limit}` : ""),
      );
    if (limit > 1 && list.length > 1 && new Set(list.map((p) => p.value)).size < list.length)
      problems.push(`the pair ${showPair(list[0] as PairShape)} occurs more than once`);
  }
  return problems;
}

/**
 * `solve`: a solver that knows only the pairs and the head follows every value that is a key (breadth first);
 * the questions it reaches must be exactly {input}, with no dead end on the way in a chain topology; and
 * `chain` must be that route (head first, `hops` keys).
 */
export function checkSolve(record: VerifiableRecord, index: PairIndex, topology: Topology): string[] {
  const problems: string[] = [];
  const head = record.chain_head_with_question;
  if (!index.byKey.has(head)) {
    problems.push(`the head ${JSON.stringify(head)} is not the key of any pair`);
  } else {
    const reached = new Set<string>();
    const deadEnds: string[] = [];
    const seen = new Set([head]);
    const queue = [head];
    for (let q = 0; q < queue.length; q++) {
      for (const p of index.byKey.get(queue[q] as string) ?? []) {
        const kind = index.kind(p.value);
        if (kind === "question") reached.add(p.value);
        else if (kind === "dead_end") deadEnds.push(p.value);
        else if (!seen.has(p.value)) {
          seen.add(p.value);
          queue.push(p.value);
        }
      }
    }
    if (reached.size !== 1 || !reached.has(record.input)) {
      const shown = [...reached].slice(0, 3).map((x) => JSON.stringify(x));
      problems.push(
        reached.size === 0
          ? `following the pairs from the head reaches no question (${seen.size} keys, ${deadEnds.length} dead ends)`
          : `following the pairs from the head reaches ${reached.size} question(s) ${shown.join(", ")}${reached.size > 3 ? ", …" : ""}; expected only the true question ${JSON.stringify(record.input)}`,
      );
    }
    if (topology.kind === "chain" && deadEnds.length > 0)
      problems.push(`following the pairs from the head reaches the dead end ${JSON.stringify(deadEnds[0])}`);
  }
  const chainProblem = checkChainField(record, index);
  if (chainProblem) problems.push(chainProblem);
  return problems;
}

/** Why `chain` is not a path from the head to the true question `hops` keys long, or undefined. */
function checkChainField(record: VerifiableRecord, index: PairIndex): string | undefined {
  const { chain } = record;
  if (chain.length !== record.hops) return `chain has ${chain.length} keys, hops is ${record.hops}`;
  if (chain[0] !== record.chain_head_with_question)
    return `chain starts with ${JSON.stringify(chain[0])}, not the head ${JSON.stringify(record.chain_head_with_question)}`;
  for (let k = 0; k < chain.length; k++) {
    const next = k + 1 < chain.length ? (chain[k + 1] as string) : record.input;
    if (!(index.byKey.get(chain[k] as string) ?? []).some((p) => p.value === next))
      return `chain[${k}] ${JSON.stringify(chain[k])} has no pair with the value ${JSON.stringify(next)}`;
  }
  return undefined;
}

/** `unique_route`: the true question is the value of one pair, and no pair off the true path links into it. */
export function checkUniqueRoute(record: VerifiableRecord, index: PairIndex): string[] {
  const problems: string[] = [];
  const asValue = index.pairs.filter((p) => p.value === record.input).length;
  if (asValue !== 1) problems.push(`the true question is the value of ${asValue} pairs, expected exactly 1`);
  const onPath = new Map(record.chain.map((key, k) => [key, k]));
  for (const p of index.pairs) {
    const k = onPath.get(p.value);
    if (k !== undefined && (k === 0 || record.chain[k - 1] !== p.key))
      problems.push(`the pair ${showPair(p)} at offset ${p.start} links into the true path from outside it`);
  }
  return problems;
}

/**
 * `chain_count`: `num_chains` pairs end at a question (each from `input` or `distract_questions`), none ends
 * in a dead end in a chain topology, and there are `num_pairs` pairs.
 */
export function checkChainCount(record: VerifiableRecord, index: PairIndex, topology: Topology): string[] {
  const problems: string[] = [];
  let questions = 0;
  for (const p of index.pairs) {
    const kind = index.kind(p.value);
    if (kind === "question") {
      questions++;
      if (!index.questionTexts.has(p.value))
        problems.push(
          `the pair ${showPair(p)} at offset ${p.start} ends at a question that is neither input nor in distract_questions`,
        );
    } else if (kind === "dead_end" && topology.kind === "chain")
      problems.push(
        `the pair ${showPair(p)} at offset ${p.start} ends in an id that is no key (a chain must end at a question)`,
      );
  }
  if (questions !== record.num_chains)
    problems.push(`${questions} pairs end at a question, num_chains is ${record.num_chains}`);
  if (index.pairs.length !== record.num_pairs)
    problems.push(`${index.pairs.length} pairs found, num_pairs is ${record.num_pairs}`);
  return problems;
}

/** `ids_in_documents`: no key and no dead-end id occurs anywhere in the plain `context`. */
export function checkIdsInDocuments(record: VerifiableRecord, index: PairIndex, format: IdFormat): string[] {
  const ids = new Set(index.byKey.keys());
  for (const p of index.pairs) if (index.kind(p.value) === "dead_end") ids.add(p.value);
  return findIdsInText(record.context, ids, format).map(
    ({ id, at }) => `the id ${JSON.stringify(id)} occurs in context at offset ${at}`,
  );
}

/** `gold`: `context` has `num_docs` passages, and each gold passage hashes to its `gold_hashes` entry. */
export function checkGold(record: VerifiableRecord, layout: PassageLayout): string[] {
  const docs = splitPassages(record.context, layout);
  if (!docs) return [`context does not start with the passage header ${JSON.stringify(layout.header)}`];
  const problems: string[] = [];
  if (docs.length !== record.num_docs)
    problems.push(`context has ${docs.length} passages, num_docs is ${record.num_docs}`);
  if (record.gold_positions.length !== record.gold_hashes.length)
    problems.push(
      `${record.gold_positions.length} gold_positions but ${record.gold_hashes.length} gold_hashes`,
    );
  record.gold_positions.forEach((position, i) => {
    const doc = docs[position - 1];
    const expected = record.gold_hashes[i];
    if (doc === undefined) {
      problems.push(`gold passage ${position} does not exist (${docs.length} passages)`);
      return;
    }
    const hash = documentHash(doc);
    if (expected !== undefined && hash !== expected)
      problems.push(
        `passage ${position} hashes to ${hash}, gold_hashes[${i}] is ${expected}: ${JSON.stringify(doc.slice(0, 60))}…`,
      );
  });
  return problems;
}

/**
 * `budget`: `prompt_length ≤ target_length − G` with `G = length − prompt_length`, and the recount of the
 * rendered prompt (when given) equals `prompt_length`.
 */
export function checkBudget(record: VerifiableRecord, promptTokens: number | undefined): string[] {
  const problems: string[] = [];
  const reserve = record.length - record.prompt_length;
  if (reserve < 0)
    problems.push(`length ${record.length} is less than prompt_length ${record.prompt_length}`);
  else if (record.prompt_length > record.target_length - reserve)
    problems.push(
      `prompt_length ${record.prompt_length} > target_length ${record.target_length} − G ${reserve} = ${record.target_length - reserve}`,
    );
  if (promptTokens !== undefined && promptTokens !== record.prompt_length)
    problems.push(
      `the rendered prompt counts ${promptTokens} tokens, prompt_length is ${record.prompt_length}`,
    );
  return problems;
}

function showPair(p: PairShape): string {
  const value = p.value.length > 50 ? `${p.value.slice(0, 50)}…` : p.value;
  return `${JSON.stringify(p.key)} → ${JSON.stringify(value)}`;
}
