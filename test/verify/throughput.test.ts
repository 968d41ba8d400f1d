/**
 * Verify throughput on 16K-token-sized records (about 64 KB of context, 16 chains × 4 hops, uuid ids).
 * Skipped unless KCS_BENCH=1: `KCS_BENCH=1 npx vitest run test/verify/throughput.test.ts`.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/rng.js";
import { approxTokens } from "../../src/tokenizer/approx.js";
import { verifyFile } from "../../src/verify/verify-file.js";
import { buildRecord } from "./make-record.js";

const RECORDS = Number(process.env.KCS_BENCH_RECORDS ?? 300);
const WORDS = "the of a river town king film born album city river war school founded north league team"
  .split(" ")
  .concat("Varlo Mire Lyon Geneva Paris 1921 1756 press engraver printer guild".split(" "));

/** About `tokens` approx tokens of passages: a title line, then sentences. */
function syntheticDocs(rng: Rng, tokens: number): string[] {
  const docs: string[] = [];
  let chars = 0;
  while (chars < tokens * 4) {
    const sentences: string[] = [];
    for (let s = 0; s < 4 + rng.int(6); s++) {
      const words = Array.from({ length: 6 + rng.int(14) }, () => WORDS[rng.int(WORDS.length)] as string);
      words[0] = (words[0] as string).replace(/^./, (c) => c.toUpperCase());
      sentences.push(`${words.join(" ")}${".?!"[rng.int(3)]}`);
    }
    const doc = `Title ${docs.length}\n${sentences.join(" ")}`;
    docs.push(doc);
    chars += doc.length + 14;
  }
  return docs;
}

describe.skipIf(process.env.KCS_BENCH !== "1")("verify throughput", () => {
  it(`verifies ${RECORDS} 16K-token records`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "kcs-verify-bench-"));
    try {
      const questions = Array.from({ length: 16 }, (_, i) => `Which synthetic question number ${i} is this?`);
      const lines: string[] = [];
      for (let i = 0; i < RECORDS; i++) {
        const docs = syntheticDocs(Rng.derive("bench", i), 15_500);
        const { record } = buildRecord({
          seed: i,
          docs,
          questions,
          hops: 4,
          targetLength: 20_000,
          gold: [3, 7],
        });
        lines.push(JSON.stringify({ ...record, id: `bench-${i}` }));
      }
      const path = join(dir, "bench.jsonl");
      await writeFile(path, `${lines.join("\n")}\n`);
      const first = JSON.parse(lines[0] as string);
      const s = await verifyFile(path, { recount: "none" });
      expect(s.failed).toBe(0);
      const seconds = s.ms / 1000;
      console.log(
        `verify: ${s.lines} records, prompt ≈ ${approxTokens(first.distractor_context)} approx tokens, ` +
          `${(s.bytes / s.lines / 1024).toFixed(0)} KiB/line, ${s.pairs / s.lines} pairs/record: ` +
          `${seconds.toFixed(2)} s, ${Math.round(s.lines / seconds)} lines/s, ${(s.bytes / 1e6 / seconds).toFixed(1)} MB/s`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
