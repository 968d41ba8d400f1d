// Worker threads: samples/s and the speedup over one worker for plain and KeyChain at 32K and 128K (KeyChain
// with its verification), `verify` lines/s, and peak RSS per worker count. Every figure comes from a child
// process of the built CLI (`--json` summaries for the rates, `/usr/bin/time -v` for the peak RSS of the whole
// process, its worker threads included). Not part of the tests; needs `npm run build`.
//
//   node bench/workers.mjs                 # 1, 2 and 3 workers on a generated 103,684-document corpus
//   BENCH_WORKERS=1,2 BENCH_ROUNDS=3 node bench/workers.mjs
//
// samples/s is over the synthesis of the file (the summary's `ms`: threads started and data set sent before);
// "run" is the whole command, reading and the cached token counts included. "CPU ms per sample" is the CPU time
// of all the process's threads (user + system) per sample, start-up excluded: on a machine with more cores,
// N workers make about N × 1000 / that many samples per second, until the main thread is saturated.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeWorldJsonl } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "../dist/cli/main.js");
const QUESTIONS = Number(process.env.BENCH_QUESTIONS ?? 12000);
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2,3").split(",").map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const TIME = "/usr/bin/time";

/** The jobs: kind, length, samples (about 5 s each on one core). */
const JOBS = [
  ["plain", "32k", Number(process.env.BENCH_PLAIN_32K ?? 1200)],
  ["plain", "128k", Number(process.env.BENCH_PLAIN_128K ?? 300)],
  ["keychain", "32k", Number(process.env.BENCH_KC_32K ?? 600)],
  ["keychain", "128k", Number(process.env.BENCH_KC_128K ?? 160)],
];

const dir = await mkdtemp(join(tmpdir(), "kcs-bench-workers-"));
/** Runs the CLI; returns its JSON output, wall seconds and peak RSS (MB). */
function cli(args) {
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const r = timed
    ? spawnSync(TIME, ["-v", process.execPath, CLI, ...args], {
        cwd: dir,
        encoding: "utf8",
        maxBuffer: 1 << 28,
      })
    : spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`keychain-synth ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : Number.NaN;
  return { json: JSON.parse(r.stdout), wall, rss: m ? Number(m[1]) / 1024 : Number.NaN, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f1 = (x) => x.toFixed(1);
try {
  const world = join(dir, "world.jsonl");
  const made = await writeWorldJsonl(world, { seed: 1, questions: QUESTIONS });
  console.log(`corpus: ${made.records} questions, ${made.documents} documents`);
  const cache = join(dir, "cache");
  // Token counts once (the runs below read them from the cache).
  cli([
    "plain",
    "-i",
    world,
    "-L",
    "4k",
    "-n",
    "1",
    "--cache-dir",
    cache,
    "-o",
    "warm",
    "--json",
    "-q",
    "--workers",
    "1",
  ]);
  console.log(`cores: ${execFileSync("nproc").toString().trim()}; rounds per figure: ${ROUNDS} (median)`);
  console.log(
    "| job | workers | samples/s | speedup | run s | CPU ms per sample | peak RSS MB | RSS − previous row, per thread MB | verify lines/s |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  const kcFiles = {};
  for (const [kind, length, n] of JOBS) {
    const base = {};
    for (const workers of WORKERS) {
      const rounds = [];
      for (let i = 0; i < ROUNDS; i++) {
        const out = `${kind}-${length}-w${workers}`;
        const args = [kind, "-i", world, "-L", length, "-n", String(n), "--cache-dir", cache, "-o", out];
        const r = cli([...args, "--json", "-q", "--workers", String(workers)]);
        const file = kind === "plain" ? r.json.files[0] : r.json.files[0];
        const verified = kind === "keychain" ? r.json.verification[0] : undefined;
        if (kind === "keychain") kcFiles[length] = join(dir, file.path);
        rounds.push({
          rate: file.written / (file.ms / 1000),
          wall: r.wall,
          rss: r.rss,
          cpu: r.cpu,
          verify: verified ? verified.lines / (verified.ms / 1000) : undefined,
        });
      }
      // CPU time of all threads per sample: the run's, less that of the same run with one sample (start-up,
      // reading, the worker threads' start and the one sample), over the other samples.
      const one = cli([
        kind,
        "-i",
        world,
        "-L",
        length,
        "-n",
        "1",
        "--cache-dir",
        cache,
        "-o",
        `${kind}-${length}-one`,
        "--json",
        "-q",
        "--workers",
        String(workers),
      ]);
      const cpuPerSample = ((median(rounds.map((x) => x.cpu)) - one.cpu) / (n - 1)) * 1000;
      const rate = median(rounds.map((x) => x.rate));
      const rss = median(rounds.map((x) => x.rss));
      base.rate ??= rate;
      const verify = rounds[0].verify === undefined ? "" : f1(median(rounds.map((x) => x.verify)));
      // What the threads added since the previous row, per thread: from 1 (the main thread builds) to 2 it is
      // two worker threads against the main thread's synthesis memory; from 2 on, the marginal worker.
      const per = base.prev ? f1((rss - base.prev.rss) / (workers - base.prev.workers)) : "";
      base.prev = { rss, workers };
      console.log(
        `| ${kind} ${length} × ${n} | ${workers} | ${f1(rate)} | ${(rate / base.rate).toFixed(2)}× | ${f1(median(rounds.map((x) => x.wall)))} | ${f1(cpuPerSample)} | ${Math.round(rss)} | ${per} | ${verify} |`,
      );
    }
  }
  console.log("\n| verify (recount none) | workers | lines/s | speedup | peak RSS MB |");
  console.log("|---|---|---|---|---|");
  for (const [length, file] of Object.entries(kcFiles)) {
    let base;
    for (const workers of WORKERS) {
      const r = cli(["verify", file, "--json", "--workers", String(workers)]);
      const rate = r.json.lines / (r.json.files[0].ms / 1000);
      base ??= rate;
      console.log(
        `| KeyChain ${length} | ${workers} | ${f1(rate)} | ${(rate / base).toFixed(2)}× | ${Math.round(r.rss)} |`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
