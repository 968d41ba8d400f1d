// Benchmark of the SFT and report stages on a generated rollout file (BENCH_SFT_RECORDS records × 4
// trajectories, ~110 KB of context each, like 32K-token samples): MB/s of sft convert, filter, clean,
// validate (schema only, and with Qwen3 token counts) and stats. Not part of the tests.
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cleanTraces,
  collectStats,
  convertToSwift,
  filterSwift,
  resolveTokenizer,
  validateSwiftFile,
} from "../dist/index.js";
import { now, seconds } from "./setup.mjs";

const RECORDS = Number(process.env.BENCH_SFT_RECORDS ?? 2000);
const dir = await mkdtemp(join(tmpdir(), "kcs-bench-sft-"));
const mb = (bytes) => bytes / 1e6;
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A deterministic pseudo-random word stream, so the context is not one repeated string. */
function words(seed, n) {
  const vocab = ["river", "castle", "1893", "Paris", "composer", "born", "the", "of", "album", "in", "was"];
  let x = seed >>> 0;
  const out = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(vocab[x % vocab.length]);
  }
  return out.join(" ");
}

try {
  const input = join(dir, "hotpotqa", "train-num_sample_2000-max_seq_32768-bench-model.jsonl");
  await mkdir(join(dir, "hotpotqa"), { recursive: true });
  const t = now();
  const lines = [];
  for (let i = 0; i < RECORDS; i++) {
    const answer = `Answer ${i}`;
    const trajectories = [0, 1, 2, 3].map((k) => {
      const right = (i + k) % 3 !== 0;
      const text = `<think>\n${words(i * 4 + k, 300)}\n</think>\n\nThe answer is \\boxed{${right ? answer : "wrong"}}.`;
      const s = right ? 1 : 0;
      return { text, extracted_answer: right ? answer : "wrong", sub_em: s, em: s, f1: s, is_correct: s };
    });
    const numCorrect = trajectories.reduce((a, x) => a + x.is_correct, 0);
    lines.push(
      JSON.stringify({
        index: i,
        source_index: i,
        id: `q${i}`,
        input: `Question ${i}?`,
        context: `Passage 1:\n${words(i, 18000)}`,
        answers: [answer],
        answer_aliases: [],
        length: 32700,
        prompt_length: 32572,
        target_length: 32768,
        num_docs: 40,
        gold_positions: [3, 17],
        dataset: "hotpotqa",
        seed: 42,
        placement: "shuffle",
        model: "bench-model",
        trajectories,
        num_correct: numCorrect,
        pass_rate: numCorrect / 4,
      }),
    );
  }
  await writeFile(input, `${lines.join("\n")}\n`);
  lines.length = 0;
  const inputMb = mb((await stat(input)).size);
  console.log(`generated ${RECORDS} rollout records (${inputMb.toFixed(0)} MB) in ${seconds(now() - t)}`);

  const step = async (name, bytesMb, fn) => {
    const t0 = now();
    const r = await fn();
    const ms = now() - t0;
    console.log(
      `${name.padEnd(28)} ${seconds(ms).padStart(8)}  ${(bytesMb / (ms / 1000)).toFixed(0).padStart(4)} MB/s  max RSS so far ${rssMb()} MB`,
    );
    return r;
  };
  const conv = await step("sft convert", inputMb, () =>
    convertToSwift({ input, outDir: join(dir, "sft"), modelTag: "bench" }),
  );
  const swiftMb = mb((await stat(conv.outputPath)).size);
  console.log(`  ${conv.rows} rows, ${swiftMb.toFixed(0)} MB`);
  const filtered = await step("sft filter", swiftMb, () => filterSwift({ input: conv.outputPath }));
  console.log(`  ${filtered.kept} kept, ${filtered.dropped} dropped`);
  const cleaned = await step("sft clean", inputMb, () =>
    cleanTraces({ input, outDir: join(dir, "clean"), modelTag: "bench" }),
  );
  console.log(`  ${cleaned.kept} rows`);
  await step("sft validate (schema)", swiftMb, () => validateSwiftFile(conv.outputPath));
  const filteredMb = mb((await stat(filtered.outputPath)).size);
  const counter = await resolveTokenizer("qwen3");
  try {
    const t0 = now();
    const v = await step("sft validate (+ Qwen3 tokens)", filteredMb, () =>
      validateSwiftFile(filtered.outputPath, { counter }),
    );
    const tokens = v.tokens.conversation.mean * v.rows;
    console.log(
      `  ${(tokens / 1e6).toFixed(1)} M tokens, ${(tokens / 1e6 / ((now() - t0) / 1000)).toFixed(2)} M tokens/s`,
    );
  } finally {
    await counter.close();
  }
  await step("stats (rollout + sft rows)", inputMb + swiftMb, () => collectStats([input, conv.outputPath]));
} finally {
  await rm(dir, { recursive: true, force: true });
}
