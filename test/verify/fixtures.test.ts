/**
 * The JSONL fixtures in test/fixtures/verify (for black-box CLI tests): `valid.jsonl` passes, each line of
 * `broken.jsonl` fails the check its id names. `prompt_length` is counted with the `approx` tokenizer.
 * Regenerate with `UPDATE_FIXTURES=1 npx vitest run test/verify/fixtures.test.ts`.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KeychainRecord } from "../../src/keychain/record.js";
import { createApproxCounter } from "../../src/tokenizer/approx.js";
import { verifyFile } from "../../src/verify/verify-file.js";
import {
  buildRecord,
  DOCS,
  distractorLink,
  header,
  insertAfter,
  insertionText,
  QUESTIONS,
  testId,
  withoutPair,
  withRecountedLength,
} from "./make-record.js";

const DIR = join(import.meta.dirname, "../fixtures/verify");

function validRecords(): KeychainRecord[] {
  return [
    { ...buildRecord({ seed: 1 }).record, id: "chain-uuid" },
    { ...buildRecord({ seed: 2, idFormat: "hex:8", hops: 4 }).record, id: "chain-hex8" },
    {
      ...buildRecord({ seed: 3, idFormat: "nano:21", chatTemplate: "qwen_orz_boxed" }).record,
      id: "chain-nano21",
    },
    {
      ...buildRecord({ seed: 4, questions: ['Who wrote "Varlo\'s Atlas"?', ...QUESTIONS.slice(1)] }).record,
      id: "chain-quoted-question",
    },
    { ...buildRecord({ seed: 5, treeLevels: 3, questions: QUESTIONS.slice(0, 2) }).record, id: "tree-2" },
  ];
}

function brokenRecords(): KeychainRecord[] {
  const built = buildRecord({ seed: 11 });
  const r = built.record;
  const link = distractorLink(built);
  const quoted = 'Who wrote "Varlo\'s Atlas"?';
  const q = buildRecord({ seed: 12, questions: [quoted, ...QUESTIONS.slice(1)] }).record;
  const key = r.chain[1] as string;
  const docs = [...DOCS];
  docs[4] = `${docs[4]} Archive reference ${key}.`;
  const changedDocs = [...DOCS];
  changedDocs[1] = (changedDocs[1] as string).replace("Geneva", "Bern");
  const intruded = insertAfter(r.distractor_context, "\n\n", insertionText([testId(99, 0), key], "line"));
  const at2 = r.distractor_context.indexOf(header(2));
  const duplicated =
    r.distractor_context.slice(0, at2) + insertionText(link, "line") + r.distractor_context.slice(at2);
  const records: KeychainRecord[] = [
    {
      ...q,
      id: "pairs_parse",
      distractor_context: q.distractor_context.replace(JSON.stringify(quoted), `"${quoted}"`),
    },
    {
      ...r,
      id: "removal",
      distractor_context: insertAfter(withoutPair(r, link), header(2), insertionText(link, "line")),
    },
    { ...r, id: "duplicate_key", distractor_context: duplicated, num_pairs: r.num_pairs + 1 },
    { ...r, id: "solve", hops: r.hops + 1 },
    { ...r, id: "unique_route", distractor_context: intruded, num_pairs: r.num_pairs + 1 },
    { ...r, id: "chain_count", num_chains: r.num_chains + 1 },
    { ...buildRecord({ seed: 11, docs }).record, id: "ids_in_documents" },
    { ...buildRecord({ seed: 11, docs: changedDocs }).record, id: "gold", gold_hashes: r.gold_hashes },
  ];
  // prompt_length stays the recount of each changed prompt, so only the budget record breaks the budget.
  return [
    ...records.map((x) => withRecountedLength(x, 64)),
    { ...r, id: "budget", prompt_length: r.target_length, length: r.target_length + 64 },
  ];
}

const jsonl = (records: KeychainRecord[]) => records.map((x) => JSON.stringify(x)).join("\n") + "\n";

describe("verify fixtures", () => {
  it.runIf(process.env.UPDATE_FIXTURES === "1")("regenerates the fixtures", async () => {
    await writeFile(join(DIR, "valid.jsonl"), jsonl(validRecords()));
    await writeFile(join(DIR, "broken.jsonl"), jsonl(brokenRecords()));
  });

  it("valid.jsonl passes", async () => {
    const s = await verifyFile(join(DIR, "valid.jsonl"), {
      recount: "all",
      tokenizer: createApproxCounter(),
    });
    expect(s.failing).toEqual([]);
    expect(s.lines).toBe(validRecords().length);
  });

  it("records written before prompts were stored still verify (their prompt rendered from the fields)", async () => {
    const s = await verifyFile(join(DIR, "legacy-no-prompt.jsonl"), {
      recount: "all",
      tokenizer: createApproxCounter(),
    });
    expect(s.lines).toBe(2);
    expect(s.failing).toEqual([]);
  });

  it("each line of broken.jsonl fails the check its id names (and only its knock-on checks)", async () => {
    const s = await verifyFile(join(DIR, "broken.jsonl"), {
      recount: "all",
      tokenizer: createApproxCounter(),
    });
    expect(s.passed).toBe(0);
    // A pair that does not parse is lost, so its chain no longer reaches the question either.
    const knockOn: Record<string, string[]> = { pairs_parse: ["solve", "unique_route", "chain_count"] };
    expect(s.failing.map((f) => f.codes)).toEqual(s.failing.map((f) => [f.id, ...(knockOn[f.id] ?? [])]));
  });

  it("the fixtures are what the helper builds now", async () => {
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(DIR, "valid.jsonl"), "utf8")).toBe(jsonl(validRecords()));
    expect(await readFile(join(DIR, "broken.jsonl"), "utf8")).toBe(jsonl(brokenRecords()));
  });
});
