/**
 * Real worker threads, from the compiled files (`npm run build` first, as for every test of test/cli): the
 * output of plain and KeyChain synthesis, of verify and of stats/report is the same whatever the number of
 * workers; a failure in a worker names its sample and ends the run (exit ≠ 0, no file left), never a hang; an
 * abort terminates the workers.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, useCliSandbox } from "../support/cli.js";

type Lib = typeof import("../../src/index.js");
type Pool = typeof import("../../src/async/worker-pool.js");
type Collect = typeof import("../../src/report/collect.js");

/** A compiled module of the package (dist/), typed as its source. */
const dist = <T>(path: string): Promise<T> =>
  import(pathToFileURL(join(ROOT, "dist", path)).href) as Promise<T>;

const sandbox = useCliSandbox("kcs-workers-");
const { run } = sandbox;
let lib: Lib;
let world: string;

beforeAll(async () => {
  lib = await dist<Lib>("index.js");
  world = join(sandbox.dir, "world.jsonl");
  await lib.writeWorldJsonl(world, { seed: 3, questions: 200 });
});

/** Every file under `dir` (relative path → content), sidecars included. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (name.endsWith(".jsonl") || name.endsWith(".json")) out[name] = await readFile(path, "utf8");
  }
  return out;
}

/** The files (not folders) under `dir`; none when it does not exist. */
async function filesIn(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

/** A sidecar's summary names its own path: the one difference between two output folders. */
function withoutOutFolder(files: Record<string, string>, out: string): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replaceAll(out, "OUT")]));
}

const WORKER_COUNTS = ["2", "3"];

describe("plain and keychain with --workers", () => {
  // Both write more than twice as many context tokens as the corpus holds (295K), so their documents are
  // escaped once and copied into the lines; the smaller runs below escape each context instead.
  it.each([
    ["plain", ["--lengths", "8k,16k", "-n", "40", "--distractor-questions", "3"]],
    ["keychain", ["--lengths", "8k,16k", "-n", "30", "--chains", "4", "--distractor-questions", "6"]],
  ])("%s writes the same files and sidecars with 1, 2 and 3 workers", async (command, extra) => {
    const outs: Record<string, string>[] = [];
    for (const workers of ["1", ...WORKER_COUNTS]) {
      const out = `${command}-w${workers}`;
      const r = run(command, "-i", world, ...extra, "--no-cache", "-o", out, "-q", "--workers", workers);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      outs.push(withoutOutFolder(await tree(join(sandbox.dir, out)), out));
    }
    expect(Object.keys(outs[0] ?? {}).length).toBe(4);
    for (const o of outs.slice(1)) expect(o).toEqual(outs[0]);
  });

  it("keychain with the approx tokenizer (prompts counted in full) is the same with 1 and 2 workers", async () => {
    const args = ["-i", world, "-L", "4k", "-n", "30", "--chains", "3", "-t", "approx", "--no-cache", "-q"];
    expect(run("keychain", ...args, "-o", "ax1", "--workers", "1").code).toBe(0);
    expect(run("keychain", ...args, "-o", "ax2", "--workers", "2").code).toBe(0);
    expect(withoutOutFolder(await tree(join(sandbox.dir, "ax2")), "ax2")).toEqual(
      withoutOutFolder(await tree(join(sandbox.dir, "ax1")), "ax1"),
    );
  });

  it("a sample that fails in a worker is named; the run exits 2 and leaves no file", async () => {
    await writeFile(join(sandbox.dir, "trim.jinja"), "{{ messages[0]['content'] | trim }}");
    const r = run(
      "plain",
      ...["-i", world, "-L", "4k", "-n", "40", "--no-cache", "-o", "failed", "-q", "--workers", "2"],
      ...["--chat-template", "trim.jinja", "--template", "{context}\n\nQuestion: {input}\n"],
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /Cannot build sample 0 of "world" at length 4096 \(source index 0, id "[^"]+"\): The chat template "file:trim\.jinja" changes the message text/,
    );
    expect(await filesIn(join(sandbox.dir, "failed"))).toEqual([]);
  });

  it("Ctrl-C stops a run with workers at once: exit 130, no temporary file left", async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        "plain",
        "-i",
        world,
        "--lengths",
        "4k,64k,128k",
        "-n",
        "60",
        "--no-cache",
        "-o",
        "sigint",
        "--workers",
        "2",
      ],
      { cwd: sandbox.dir },
    );
    let err = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.stderr.setEncoding("utf8");
    let sent = false;
    child.stderr.on("data", (text: string) => {
      err += text;
      // Interrupted while its workers build the second file's samples (the first is written just before).
      if (!sent && /max_seq_4096\.jsonl: 60\/60/.test(err)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const started = Date.now();
    expect(await exited).toBe(130);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(err).toMatch(/interrupted \(SIGINT\)/);
    // Nothing of the interrupted file is left, not even a temporary file; only the first file's own may be.
    for (const name of await filesIn(join(sandbox.dir, "sigint")))
      expect(name).toMatch(/^train-num_sample_60-max_seq_4096\.jsonl(\.meta\.json)?$/);
  });

  it("refuses a worker count that is not a positive integer or auto", () => {
    const r = run("plain", "-i", world, "-L", "4k", "-n", "4", "--no-cache", "-o", "bad", "--workers", "0");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--workers.*expected a positive integer or auto, got/);
  });
});

describe("verify, stats and report with --workers", () => {
  let file: string;
  beforeAll(() => {
    const r = run(
      "keychain",
      ...["-i", world, "-L", "8k", "-n", "40", "--chains", "4", "--distractor-questions", "6"],
      ...["--no-cache", "-o", "kcv", "-q", "--workers", "2"],
    );
    expect(r.code).toBe(0);
    file = join(
      sandbox.dir,
      "kcv/world/world_train-num_sample_40-max_seq_8192-uuid_len_default-numchain_4-numhop-4-distractor.jsonl",
    );
  });

  it("verify gives the same summary with 1, 2 and 3 workers, re-counting every 3rd prompt", () => {
    const summaries = ["1", ...WORKER_COUNTS].map((workers) => {
      const r = run("verify", file, "-t", "qwen3", "--recount", "3", "--json", "--workers", workers);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as { files: { ms?: number }[] };
      for (const f of json.files) delete f.ms;
      return json;
    });
    expect(summaries[0]).toMatchObject({ lines: 40, failed: 0, files: [{ recounted: 14 }] });
    for (const s of summaries.slice(1)) expect(s).toEqual(summaries[0]);
  });

  it("stats gives the same numbers with 1, 2 and 3 workers, and report the same page", async () => {
    const stats = ["1", ...WORKER_COUNTS].map((workers) => {
      const r = run("stats", file, "--json", "--workers", workers);
      expect(r.code).toBe(0);
      return JSON.parse(r.out) as unknown;
    });
    for (const s of stats.slice(1)) expect(s).toEqual(stats[0]);
    const pages: string[] = [];
    for (const workers of ["1", "2"]) {
      const out = `report-${workers}.html`;
      expect(run("report", file, "-o", out, "-q", "--workers", workers).code).toBe(0);
      pages.push(await readFile(join(sandbox.dir, out), "utf8"));
    }
    expect(pages[1]).toBe(pages[0]);
  });

  it("stats in workers names the first bad line of the file, as on the main thread", async () => {
    const good = (await readFile(file, "utf8")).trimEnd().split("\n");
    const bad = join(sandbox.dir, "bad.jsonl");
    await writeFile(bad, [...good.slice(0, 5), '{"trajectories": []}', ...good.slice(5)].join("\n"));
    const one = run("stats", bad, "--workers", "1");
    const two = run("stats", bad, "--workers", "2");
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.err).toBe(one.err);
    expect(one.err).toMatch(/bad\.jsonl" line 6: expected a keychain record like the first one/);
  });
});

describe("pipeline with workers", () => {
  it("writes the same files with workers: 1 and 2, under the same step keys (a worker count is not content)", async () => {
    const runs: Record<string, string>[] = [];
    for (const workers of [1, 2]) {
      const out = `pipe-${workers}`;
      await writeFile(
        join(sandbox.dir, `${out}.yaml`),
        [
          `out: ${out}`,
          "cache_dir: false",
          `datasets: [{name: world, path: ${JSON.stringify(world)}}]`,
          "lengths: [2048, 4096]",
          "num_samples: 30",
          `workers: ${workers}`,
          "kinds:",
          "  plain: {}",
          "  keychain: {chains: 3}",
        ].join("\n"),
      );
      const r = run("pipeline", "--config", `${out}.yaml`, "-q");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const files: Record<string, string> = {};
      for (const [name, text] of Object.entries(await tree(join(sandbox.dir, out)))) {
        if (name.endsWith(".jsonl")) files[name] = text;
        else if (name.endsWith(".jsonl.meta.json"))
          files[name] = (JSON.parse(text) as { pipeline: { step_key: string } }).pipeline.step_key;
      }
      runs.push(files);
    }
    expect(Object.keys(runs[0] ?? {}).length).toBe(8);
    expect(runs[1]).toEqual(runs[0]);
  });
});

describe("the library with real workers", () => {
  it("workers count through the run's counter, an injected one too: the same files as one thread", async () => {
    const approx = (await dist<typeof import("../../src/tokenizer/approx.js")>("tokenizer/approx.js"))
      .createApproxCounter;
    const base = approx();
    let asked = 0;
    // A counter no worker could rebuild from a spec: its id is its own.
    const counter = {
      ...base,
      id: "test:injected",
      countBatch: (texts: readonly string[]) => {
        asked += texts.length;
        return base.countBatch(texts);
      },
    };
    const runs = [];
    for (const workers of [1, 2]) {
      const out = join(sandbox.dir, `inj-${workers}`);
      await lib.runPlain(
        { input: world, lengths: 4096, numSamples: 70, cacheDir: false, out, workers },
        { counter },
      );
      runs.push(withoutOutFolder(await tree(out), out));
    }
    expect(Object.keys(runs[0] ?? {}).length).toBe(2);
    expect(runs[1]).toEqual(runs[0]);
    expect(asked).toBeGreaterThan(0);
  });

  it("an abort terminates the workers and leaves no file", async () => {
    const stop = new AbortController();
    const started = lib.runKeychain(
      {
        input: world,
        lengths: "8k",
        numSamples: 60,
        chains: 4,
        distractorQuestions: 6,
        cacheDir: false,
        out: join(sandbox.dir, "aborted"),
        workers: 2,
      },
      {
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === "file-progress") stop.abort(new Error("stopped by the test"));
        },
      },
    );
    await expect(started).rejects.toThrow("stopped by the test");
    expect(await filesIn(join(sandbox.dir, "aborted"))).toEqual([]);
  });

  it("collectStats and verifyFile give the same results with 1 and 2 workers", async () => {
    const { collectStats } = await dist<Collect>("report/collect.js");
    const out = join(sandbox.dir, "lib-kc");
    const [s] = await lib.runKeychain({
      input: world,
      lengths: "4k",
      numSamples: 30,
      chains: 3,
      cacheDir: false,
      out,
      workers: 2,
    });
    const path = s?.path as string;
    const verify = async (workers: number) => {
      const { ms: _, ...rest } = await lib.verifyFile(path, { recount: "none", workers });
      return rest;
    };
    expect(await verify(2)).toEqual(await verify(1));
    expect(await collectStats([path], { workers: 2 })).toEqual(await collectStats([path], { workers: 1 }));
  });
});

describe("the worker pool", () => {
  /** A worker entry written for the test, serving `body` (the setup function's source). */
  async function entry(name: string, body: string): Promise<URL> {
    const serve = pathToFileURL(join(ROOT, "dist/async/serve-worker.js")).href;
    const path = join(sandbox.dir, `${name}.mjs`);
    await writeFile(path, `import { serveWorker } from ${JSON.stringify(serve)};\nserveWorker(${body});\n`);
    return pathToFileURL(path);
  }

  it("a worker that dies mid-call fails the call and every later one, without a hang", async () => {
    const { WorkerPool, WorkerStoppedError } = await dist<Pool>("async/worker-pool.js");
    const url = await entry("dies", "() => ({ echo: (x) => x, die: () => process.exit(3) })");
    const pool = await WorkerPool.start(url, { size: 2, name: "test", init: null });
    try {
      expect(await pool.call("echo", 5)).toBe(5);
      const died = pool.call("die", null);
      await expect(died).rejects.toBeInstanceOf(WorkerStoppedError);
      await expect(died).rejects.toThrow(/test worker \d stopped \(exit code 3\)/);
      await expect(pool.call("echo", 1)).rejects.toBeInstanceOf(WorkerStoppedError);
    } finally {
      await pool.close();
    }
  });

  it("a setup that throws fails the start with its error, class and place kept", async () => {
    const { WorkerPool } = await dist<Pool>("async/worker-pool.js");
    const errors = pathToFileURL(join(ROOT, "dist/errors.js")).href;
    const url = await entry(
      "refuses",
      `async () => { const { InputError } = await import(${JSON.stringify(errors)}); throw new InputError("no", { file: "f", line: 2 }); }`,
    );
    const e = await WorkerPool.start(url, { size: 2, name: "test", init: null }).catch((x: unknown) => x);
    expect((e as Error).name).toBe("InputError");
    expect((e as Error).message).toBe('Cannot read "f" line 2: no');
    expect((e as { place: unknown }).place).toEqual({ file: "f", line: 2 });
  });

  it("a worker asks the main thread's services; a call waiting on one lets the worker's next call run", async () => {
    const { WorkerPool } = await dist<Pool>("async/worker-pool.js");
    const url = await entry(
      "asks",
      "(_init, host) => ({ ask: (x) => host.request('double', x), echo: (x) => x })",
    );
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pool = await WorkerPool.start(url, {
      size: 1,
      name: "test",
      init: null,
      services: {
        double: async (x: number) => {
          if (x === 1) await gate;
          if (x < 0) throw new RangeError(`no negative numbers: ${x}`);
          return 2 * x;
        },
      },
    });
    try {
      const waiting = pool.call<number>("ask", 1);
      // The one worker answers this call while the first still waits on the main thread.
      expect(await pool.call("echo", 7)).toBe(7);
      release();
      expect(await waiting).toBe(2);
      await expect(pool.call("ask", -3)).rejects.toThrow("no negative numbers: -3");
      await expect(pool.call("ask", 21)).resolves.toBe(42);
    } finally {
      await pool.close();
    }
  });

  it("answers calls in any order and leaves the ordering to the caller", async () => {
    const { WorkerPool } = await dist<Pool>("async/worker-pool.js");
    const url = await entry(
      "sleepy",
      "() => ({ wait: (ms) => new Promise((r) => setTimeout(() => r(ms), ms)) })",
    );
    const pool = await WorkerPool.start(url, { size: 2, name: "test", init: null });
    try {
      const done: number[] = [];
      await Promise.all([60, 5].map((ms) => pool.call<number>("wait", ms).then((v) => done.push(v))));
      expect(done).toEqual([5, 60]);
    } finally {
      await pool.close();
    }
  });
});
