// A MuSiQue-sized corpus end to end: a generated world of about 800k documents, read, token-counted (cold
// cache), then 1,000 plain samples at each of 4K, 8K, 16K, 32K, 64K and 128K, by the built CLI in a child
// process: the time of each phase and the peak RSS of the whole process (`/usr/bin/time -v`). Then the same
// run again with the token counts cached. Not part of the tests; needs `npm run build` and ~3 GB of disk.
//
//   node bench/scale.mjs                     # workers: auto
//   BENCH_WORKERS=1 node bench/scale.mjs     # on the main thread only
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeWorldJsonl } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "../dist/cli/main.js");
/** About 8.6 documents per question: 93,000 questions give about 800k documents. */
const QUESTIONS = Number(process.env.BENCH_QUESTIONS ?? 93000);
const WORKERS = process.env.BENCH_WORKERS ?? "auto";
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1000);
const LENGTHS = process.env.BENCH_LENGTHS ?? "4k,8k,16k,32k,64k,128k";
const TIME = "/usr/bin/time";

const dir = await mkdtemp(join(tmpdir(), "kcs-bench-scale-"));
const s = (x) => `${x.toFixed(1)} s`;
try {
  const world = join(dir, "world.jsonl");
  let t = performance.now();
  const made = await writeWorldJsonl(world, { seed: 11, questions: QUESTIONS });
  const mb = (await stat(world)).size / 1e6;
  console.log(
    `generated ${made.records} questions, ${made.documents} documents (${mb.toFixed(0)} MB) in ${s((performance.now() - t) / 1000)}`,
  );
  const cache = join(dir, "cache");
  for (const label of ["cold token cache", "warm token cache"]) {
    const out = join(dir, "out");
    const args = [
      CLI,
      "plain",
      "-i",
      world,
      "--lengths",
      LENGTHS,
      "-n",
      String(SAMPLES),
      "--cache-dir",
      cache,
    ];
    args.push("-o", out, "--json", "--workers", WORKERS);
    t = performance.now();
    const r = existsSync(TIME)
      ? spawnSync(TIME, ["-v", process.execPath, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
      : spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 28 });
    const wall = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`plain failed (${r.status}):\n${r.stderr.slice(-4000)}`);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    const read = /^read .*\(([\d.]+) s\)$/m.exec(r.stderr);
    const counts = /^token counts for [^:]+: (from cache|(\d+) tokens in ([\d.]+) s)/m.exec(r.stderr);
    console.log(
      `\n${label}, workers ${WORKERS}: ${s(wall)} in all, peak RSS ${rss ? Math.round(Number(rss[1]) / 1024) : "?"} MB`,
    );
    console.log(
      `  read: ${read ? `${read[1]} s` : "?"}; token counts: ${counts ? (counts[2] ? `${(Number(counts[2]) / 1e6).toFixed(1)} M tokens in ${counts[3]} s` : "from cache") : "?"}`,
    );
    for (const f of JSON.parse(r.stdout).files)
      console.log(
        `  L=${f.maxSeqLength}: ${f.written}/${f.requested} in ${s(f.ms / 1000)} (${(f.written / (f.ms / 1000)).toFixed(1)} samples/s), mean fill ${(100 * f.fill.mean).toFixed(2)} %`,
      );
    await rm(out, { recursive: true, force: true });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
