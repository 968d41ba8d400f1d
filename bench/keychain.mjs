// Benchmark of KeyChain synthesis on a generated ≥100k-document corpus (after the token cache is built).
// Prints instances/s at 16K and 128K, fill, over-budget count, and verify lines/s. Not part of the tests.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  parseIdFormat,
  parsePlacement,
  parseTopology,
  QuestionPool,
  synthesizeKeychain,
  verifyFile,
} from "../dist/index.js";
import { benchCorpus, now, seconds } from "./setup.mjs";

const N16 = Number(process.env.BENCH_N16 ?? 600);
const N128 = Number(process.env.BENCH_N128 ?? 150);
const b = await benchCorpus({ cacheDir: process.env.BENCH_CACHE_DIR });
try {
  const pool = new QuestionPool(b.corpus.qas);
  for (const [L, n] of [
    [16384, N16],
    [131072, N128],
  ]) {
    for (const check of ["off", "sample"]) {
      const items = b.questions.slice(0, n).map((qa, i) => ({ qa, sourceIndex: i, index: i }));
      const chains = Math.floor(L / 1024);
      const options = {
        dataset: "bench",
        maxSeqLength: L,
        tokensToGenerate: 128,
        seed: 42,
        placement: parsePlacement("shuffle"),
        chains,
        hops: 4,
        idFormat: parseIdFormat("uuid"),
        topology: parseTopology("chain"),
        distractorQuestions: Math.floor(L / 64),
        promptVariant: "default",
        chatTemplate: "none",
        checkBudget: check,
      };
      const t0 = now();
      let written = 0;
      let fill = 0;
      let over = 0;
      let bytes = 0;
      const lines = [];
      for await (const r of synthesizeKeychain(
        { sized: b.sized, counter: b.counter, pool },
        items,
        options,
      )) {
        if (r.kind !== "sample") continue;
        written++;
        const line = JSON.stringify(r.record);
        bytes += line.length + 1;
        if (check === "off") lines.push(line);
        fill += r.record.prompt_length / (L - 128);
        if (r.record.prompt_length > L - 128) over++;
      }
      const dt = now() - t0;
      console.log(
        `KeyChain L=${L} (${chains} chains × 4 pairs, uuid) check-budget=${check}: ${written}/${n} in ${seconds(dt)} → ` +
          `${(written / (dt / 1000)).toFixed(1)} instances/s (${(bytes / 1e6 / (dt / 1000)).toFixed(0)} MB/s JSONL); ` +
          `mean fill ${((100 * fill) / written).toFixed(2)}%; over budget ${over}`,
      );
      if (check === "off") {
        const file = join(b.dir, `kc-${L}.jsonl`);
        await writeFile(file, `${lines.join("\n")}\n`);
        const v = await verifyFile(file, { recount: "none" });
        console.log(
          `  verify: ${v.passed}/${v.lines} passed in ${seconds(v.ms)} → ${(v.lines / (v.ms / 1000)).toFixed(0)} lines/s ` +
            `(${(v.bytes / 1e6 / (v.ms / 1000)).toFixed(0)} MB/s)`,
        );
      }
    }
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await b.cleanup();
}
