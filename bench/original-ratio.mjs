// Side by side with the original: per-sample time of plain synthesis at 32K, ours (built CLI, 1 worker and
// each count in BENCH_WORKERS) against the original's algorithm (bench/original-plain.py: the same corpus, the
// bundled Qwen3 tokenizer through the Python `tokenizers` package, as the original's fast tokenizer). Rounds
// alternate ours and theirs, so a drift of the machine's speed hits both; the ratio is the median of the
// per-round ratios. Both time their sample loop only (reading the corpus and token cache not included).
// Not part of the tests; needs `npm run build` and python3 with `tokenizers`.
//
//   node bench/original-ratio.mjs
//   BENCH_ROUNDS=5 BENCH_WORKERS=1,2 node bench/original-ratio.mjs
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeWorldJsonl } from "../dist/index.js";
import { qwen3TokenizerPath } from "../dist/tokenizer/bundled.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "../dist/cli/main.js");
const L = Number(process.env.BENCH_LENGTH ?? 32768);
const OURS_N = Number(process.env.BENCH_OURS_N ?? 1200);
const THEIRS_N = Number(process.env.BENCH_THEIRS_N ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2").split(",");

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const dir = await mkdtemp(join(tmpdir(), "kcs-bench-original-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const world = join(dir, "world.jsonl");
  const made = await writeWorldJsonl(world, { seed: 1, questions: 12000 });
  const cache = join(dir, "cache");
  const ours = (n, workers) => {
    const args = [CLI, "plain", "-i", world, "-L", String(L), "-n", String(n), "--cache-dir", cache];
    const j = run(process.execPath, [...args, "-o", "out", "--json", "-q", "--workers", workers], dir);
    const f = j.files[0];
    return f.ms / 1000 / f.written;
  };
  ours(1, "1"); // the token cache
  console.log(
    `corpus ${made.records} questions, ${made.documents} documents; L = ${L}; ours ${OURS_N} samples, the original's algorithm ${THEIRS_N}; ${ROUNDS} rounds`,
  );
  const theirs = [];
  const per = Object.fromEntries(WORKERS.map((w) => [w, []]));
  for (let i = 0; i < ROUNDS; i++) {
    const t = run(
      "python3",
      [join(here, "original-plain.py"), world, qwen3TokenizerPath(), String(L), String(THEIRS_N)],
      dir,
    );
    theirs.push(t.loop_s / t.samples);
    for (const w of WORKERS) per[w].push(ours(OURS_N, w));
    console.log(
      `round ${i + 1}: original ${(1000 * theirs[i]).toFixed(1)} ms/sample (${t.num_docs} documents per sample); ` +
        WORKERS.map((w) => `ours ${w} worker(s) ${(1000 * per[w][i]).toFixed(2)} ms/sample`).join(", "),
    );
  }
  for (const w of WORKERS) {
    const ratios = per[w].map((x, i) => theirs[i] / x);
    console.log(
      `workers ${w}: ${(1 / median(per[w])).toFixed(0)} samples/s; ${median(ratios).toFixed(1)}× the original's per-sample time (rounds: ${ratios.map((r) => r.toFixed(1)).join(", ")})`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
