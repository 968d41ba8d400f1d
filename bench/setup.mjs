// Shared benchmark setup: a generated ≥100k-document synthetic corpus, its token counts, and the bundled tokenizer.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_LAYOUT,
  docTokenCounts,
  readCorpus,
  resolveTokenizer,
  SizedCorpus,
  selectQuestions,
  writeWorldJsonl,
} from "../dist/index.js";

export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const now = () => performance.now();

/** Generate, read and size the benchmark corpus. `cacheDir` lets several benchmarks share token counts. */
export async function benchCorpus({
  questions = Number(process.env.BENCH_QUESTIONS ?? 12000),
  cacheDir,
} = {}) {
  const dir = await mkdtemp(join(tmpdir(), "kcs-bench-"));
  let t = now();
  const path = join(dir, "world.jsonl");
  await writeWorldJsonl(path, { seed: 1, questions });
  console.log(`generated synthetic corpus (${questions} questions) in ${seconds(now() - t)}`);
  t = now();
  const corpus = await readCorpus(path);
  console.log(
    `read: ${corpus.qas.length} questions, ${corpus.docs.length} unique documents in ${seconds(now() - t)}`,
  );
  const counter = await resolveTokenizer("qwen3");
  t = now();
  const counts = await docTokenCounts(corpus.docs, "bench-world-1", counter, { cacheDir, suffix: "\n\n" });
  const ms = now() - t;
  console.log(
    counts.cached
      ? "token counts: from cache"
      : `token counts: ${(counts.tokens / 1e6).toFixed(1)} M tokens in ${seconds(ms)} (${(counts.tokens / (ms / 1000) / 1e6).toFixed(3)} M tok/s)`,
  );
  return {
    dir,
    corpus,
    counter,
    counts,
    cacheMs: ms,
    sized: new SizedCorpus(corpus.docs, counts.counts, DEFAULT_LAYOUT),
    questions: selectQuestions(corpus.qas, { shuffle: true, seed: 42 }),
    async cleanup() {
      await counter.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
