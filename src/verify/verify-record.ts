/**
 * `verifyRecord`: the checks one KeyChain record must pass, as a pure function of the record (and of a token
 * count of its prompt computed outside). Each failed check gives one failure with a named code; its message
 * shows the first problem and how many more there were.
 */

import { DEFAULT_LAYOUT, type PassageLayout } from "../compose/layout.js";
import { InputError } from "../errors.js";
import { renderUserMessage, userOf } from "../prompt/messages.js";
import { type KeychainPromptVariant, keychainUserParts } from "../prompt/templates.js";
import {
  checkBudget,
  checkChainCount,
  checkDuplicateKeys,
  checkGold,
  checkIdsInDocuments,
  checkSolve,
  checkUniqueRoute,
  indexPairs,
} from "./checks.js";
import { parseIdFormat, parseTopology } from "./ids.js";
import { scanInsertions } from "./insertions.js";
import type { VerifiableRecord } from "./read-record.js";

/** Failure codes, in the order the checks run. */
export const VERIFY_CODES = [
  "prompt",
  "pairs_parse",
  "removal",
  "duplicate_key",
  "solve",
  "unique_route",
  "chain_count",
  "ids_in_documents",
  "gold",
  "budget",
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyFailure {
  code: VerifyCode;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** At most one failure per code, in {@link VERIFY_CODES} order. */
  failures: VerifyFailure[];
  /** Number of inserted pairs found. */
  pairs: number;
}

export interface VerifyOptions {
  /** How `context` renders its passages (to find the gold documents). @default DEFAULT_LAYOUT */
  layout?: PassageLayout;
  /** Tokens of the stored prompt through the record's chat template, counted outside; when given it must
   * equal `prompt_length`. @default undefined (no recount) */
  promptTokens?: number;
}

/** How many problems of one code a message lists before "and N more". */
const SHOWN = 1;

/** The KeyChain user message the record's fields render to: the stored prompt must hold exactly this. */
function expectedUser(
  record: Pick<VerifiableRecord, "prompt_variant" | "distractor_context" | "chain_head_with_question">,
): string {
  return renderUserMessage(
    {
      kind: "keychain",
      variant: record.prompt_variant as KeychainPromptVariant,
      chainHead: record.chain_head_with_question,
    },
    record.distractor_context,
  );
}

/** Where the stored user message first differs from the rendering of the fields, or nothing. */
function checkPrompt(record: VerifiableRecord): string[] {
  const stored = userOf(record.prompt);
  const expected = expectedUser(record);
  if (stored === expected) return [];
  let at = 0;
  while (at < stored.length && stored[at] === expected[at]) at++;
  return [
    `the stored prompt's user message differs from the instruction around distractor_context and the start key at character ${at} (${stored.length} vs ${expected.length} characters)`,
  ];
}

/**
 * Runs every check on one record. Throws `InputError` only when `id_format` or `topology` is not a known form
 * (the record cannot be checked at all); every other problem is a failure in the result.
 */
export function verifyRecord(record: VerifiableRecord, options: VerifyOptions = {}): VerifyResult {
  const idFormat = parseIdFormat(record.id_format);
  if (!idFormat)
    throw new InputError(`unknown id_format ${JSON.stringify(record.id_format)}`, {
      id: record.id,
      field: "id_format",
    });
  const topology = parseTopology(record.topology);
  if (!topology)
    throw new InputError(`unknown topology ${JSON.stringify(record.topology)}`, {
      id: record.id,
      field: "topology",
    });

  const layout = options.layout ?? DEFAULT_LAYOUT;
  const scan = scanInsertions(record.distractor_context, record.context, {
    layout,
    leadingLine: keychainUserParts(
      record.prompt_variant as KeychainPromptVariant,
      record.chain_head_with_question,
    ).prefix.endsWith("\n"),
  });
  const index = indexPairs(record, scan.pairs, idFormat);
  const problems: Record<VerifyCode, string[]> = {
    prompt: checkPrompt(record),
    pairs_parse: [
      ...scan.parse.map((p) => `offset ${p.at}: ${p.message}`),
      ...scan.pairs
        .filter((p) => !idFormat.pattern.test(p.key))
        .map((p) => `offset ${p.start}: key ${JSON.stringify(p.key)} is not a ${record.id_format} id`),
    ],
    removal: scan.removal.map((p) => `offset ${p.at}: ${p.message}`),
    duplicate_key: checkDuplicateKeys(index, topology),
    solve: checkSolve(record, index, topology),
    unique_route: checkUniqueRoute(record, index),
    chain_count: checkChainCount(record, index, topology),
    ids_in_documents: checkIdsInDocuments(record, index, idFormat),
    gold: checkGold(record, layout),
    budget: checkBudget(record, options.promptTokens),
  };
  const failures: VerifyFailure[] = [];
  for (const code of VERIFY_CODES) {
    const list = problems[code];
    if (list.length === 0) continue;
    const more = list.length - SHOWN;
    failures.push({
      code,
      message: list.slice(0, SHOWN).join("; ") + (more > 0 ? ` (and ${more} more)` : ""),
    });
  }
  return { ok: failures.length === 0, failures, pairs: scan.pairs.length };
}
