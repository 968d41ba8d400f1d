/**
 * How the built CLI ends (exit code, message, files left) when it is stopped by a signal, killed, refused or
 * cannot write: what a scheduler (Slurm, Kubernetes) sees, and what a rerun finds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorldJsonl } from "../../src/synthetic/index.js";
import { BIN, ROOT } from "../support/cli.js";
import { type ChatBody, startOpenAIServer } from "../support/openai-server.js";

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** A running CLI process and how it ends. */
interface Running {
  child: ChildProcess;
  ended: Promise<Ended>;
}

function start(cwd: string, args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const ended = new Promise<Ended>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, ended };
}

function run(cwd: string, args: string[]): Promise<Ended> {
  return start(cwd, args).ended;
}

/** Every file under `folder`, relative to it, sorted. */
function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [relative(folder, join(d, e.name))],
    );
  return walk(folder).sort();
}

/** Resolves once `test` holds, polling; rejects after `ms`. */
async function until(test: () => boolean, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let corpus: string;
/** Folder of the uninterrupted reference run of {@link PLAIN}. */
let reference: string;

const SAMPLE = "out/world/train-num_sample_1500-max_seq_8192.jsonl";
/** Big enough to be caught mid-write: 1500 samples of 8K tokens, about 100 MB, a few seconds. */
const PLAIN = [
  "plain",
  "-i",
  "../world.jsonl",
  "-L",
  "8k",
  "-n",
  "1500",
  "-t",
  "approx",
  "--no-cache",
  "-o",
  "out",
  "-q",
];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first`);
  dir = await mkdtemp(join(tmpdir(), "ks-exit-"));
  corpus = join(dir, "world.jsonl");
  await writeWorldJsonl(corpus, { seed: 7, questions: 1500 });
  reference = join(dir, "reference");
  await mkdir(reference);
  const r = await run(reference, PLAIN);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh working folder beside the corpus (so `-o out` and the sidecar paths match the reference's). */
async function workdir(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  return d;
}

/** Start `plain`, and wait until its temporary file holds some data: the signal then lands mid-write. */
async function plainMidWrite(cwd: string): Promise<Running> {
  const p = start(cwd, PLAIN);
  const folder = join(cwd, "out/world");
  await until(() => {
    if (!existsSync(folder)) return false;
    const tmp = readdirSync(folder).find((f) => f.endsWith(".tmp"));
    return tmp !== undefined && statSync(join(folder, tmp)).size > 1 << 20;
  });
  return p;
}

async function expectSameAsReference(cwd: string): Promise<void> {
  expect(filesUnder(join(cwd, "out"))).toEqual(filesUnder(join(reference, "out")));
  for (const f of [SAMPLE, `${SAMPLE}.meta.json`])
    expect((await readFile(join(cwd, f))).equals(await readFile(join(reference, f)))).toBe(true);
}

describe("signals during plain", () => {
  it.each([
    { signal: "SIGTERM" as const, code: 143, word: "terminated" },
    { signal: "SIGINT" as const, code: 130, word: "interrupted" },
  ])(
    "$signal mid-write: exit $code, no temporary file left; the rerun equals an uninterrupted run byte for byte",
    async ({ signal, code, word }) => {
      const cwd = await workdir(`plain-${signal}`);
      const p = await plainMidWrite(cwd);
      p.child.kill(signal);
      const r = await p.ended;
      expect(r.code).toBe(code);
      expect(r.err.trim()).toBe(`keychain-synth: ${word} (${signal}); 1 temporary file removed`);
      expect(filesUnder(join(cwd, "out"))).toEqual([]);

      const again = await run(cwd, PLAIN);
      expect(again.code).toBe(0);
      await expectSameAsReference(cwd);
    },
    60_000,
  );

  it("kill -9 mid-write leaves the temporary file; the rerun removes it and equals an uninterrupted run", async () => {
    const cwd = await workdir("plain-SIGKILL");
    const p = await plainMidWrite(cwd);
    p.child.kill("SIGKILL");
    const r = await p.ended;
    expect(r.signal).toBe("SIGKILL");
    const left = filesUnder(join(cwd, "out"));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(
      new RegExp(`^world/train-num_sample_1500-max_seq_8192\\.jsonl\\.${p.child.pid}\\.[0-9a-f]{8}\\.tmp$`),
    );

    const again = await run(cwd, PLAIN);
    expect(again.code).toBe(0);
    await expectSameAsReference(cwd);
  }, 60_000);
});

describe("environment errors: one line, exit 1, nothing left", () => {
  it("report -o an existing folder (EISDIR)", async () => {
    const cwd = await workdir("report-eisdir");
    await mkdir(join(cwd, "taken"));
    const r = await run(cwd, ["report", "-q", "-o", "taken", join(ROOT, "test/fixtures/report/plain.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('keychain-synth: Cannot write "taken": illegal operation on a directory (EISDIR)\n');
    expect(await readdir(cwd)).toEqual(["taken"]);
  });

  it("an output path under a regular file (ENOTDIR)", async () => {
    const cwd = await workdir("report-enotdir");
    await writeFile(join(cwd, "file"), "a file");
    const r = await run(cwd, [
      "report",
      "-q",
      "-o",
      "file/r.html",
      join(ROOT, "test/fixtures/report/plain.jsonl"),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'keychain-synth: Cannot write "file/r.html": cannot create its folder "file": not a directory (ENOTDIR)\n',
    );
    const e = await run(cwd, [
      "export",
      "verl",
      "-i",
      join(ROOT, "test/fixtures/export/keychain.jsonl"),
      "-o",
      "file/v",
    ]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(
      /^keychain-synth: Cannot write "file\/v\/\w+\.parquet": cannot create its folder "file\/v": not a directory \(ENOTDIR\)\n$/,
    );
    expect(await readdir(cwd)).toEqual(["file"]);
  });

  it('a YAML "billion laughs" config: exit 2, naming the file', async () => {
    const cwd = await workdir("yaml-bomb");
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(",")}]`,
      );
    await writeFile(join(cwd, "bomb.yaml"), `${lines.join("\n")}\n`);
    const r = await run(cwd, ["pipeline", "--config", "bomb.yaml"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^keychain-synth: Invalid pipeline config "bomb.yaml": 1 problem\n {2}YAML aliases: /,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe("one writer per rollout output", () => {
  const record = (i: number) => ({
    id: `q${i}`,
    input: `Who is number ${i}?`,
    context: `Passage 1: filler.\nPassage 2: it is [gold: Person ${i}].`,
    answers: [`Person ${i}`],
  });
  const answer = (body: ChatBody) => {
    const gold = /\[gold:\s*([^\]]*)\]/.exec(body.messages.at(-1)?.content ?? "")?.[1] ?? "";
    return `<think>ok</think> \\boxed{${gold}}`;
  };

  it("a second rollout on the same output is refused (exit 2) naming the lock, pid and host; the first finishes", async () => {
    // Slow enough (20 × 150 ms, one at a time) that the first run is still going when the second starts.
    const server = await startOpenAIServer({ answer, latencyMs: () => 150 });
    try {
      const cwd = await workdir("rollout-twice");
      await mkdir(join(cwd, "toy"));
      await writeFile(
        join(cwd, "toy/train.jsonl"),
        Array.from({ length: 20 }, (_, i) => `${JSON.stringify(record(i))}\n`).join(""),
      );
      const args = [
        "rollout",
        "-i",
        "toy/train.jsonl",
        "-m",
        "m",
        "--base-url",
        server.url,
        "--n",
        "1",
        "--concurrency",
        "1",
        "-q",
        "-o",
        "out",
      ];
      const first = start(cwd, args);
      const lock = join(cwd, "out/toy/train-m.jsonl.lock");
      await until(() => server.requests.length > 0);
      expect(JSON.parse(await readFile(lock, "utf8"))).toMatchObject({
        pid: first.child.pid,
        host: hostname(),
      });

      const second = await run(cwd, args);
      expect(first.child.exitCode).toBe(null); // still running
      expect(second.code).toBe(2);
      expect(second.err).toMatch(
        new RegExp(
          `^keychain-synth: Cannot lock the rollout output "out/toy/train-m.jsonl": another run \\(pid ${first.child.pid} on host ${hostname()}, started [^)]+\\) is writing it and holds "out/toy/train-m.jsonl.lock"\\.`,
        ),
      );

      const r = await first.ended;
      expect(r.code).toBe(0);
      expect(server.requests).toHaveLength(20); // every record sent once: the second run sent nothing
      expect(filesUnder(join(cwd, "out"))).toEqual(["toy/train-m.jsonl"]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("SIGINT / SIGTERM mid-rollout: exit 130 / 143, journal kept, lock released; kill -9: the rerun takes the stale lock over with a note", async () => {
    const server = await startOpenAIServer({ answer, latencyMs: () => 30 });
    try {
      const cwd = await workdir("rollout-signals");
      await mkdir(join(cwd, "toy"));
      await writeFile(
        join(cwd, "toy/train.jsonl"),
        Array.from({ length: 30 }, (_, i) => `${JSON.stringify(record(i))}\n`).join(""),
      );
      const args = [
        "rollout",
        "-i",
        "toy/train.jsonl",
        "-m",
        "m",
        "--base-url",
        server.url,
        "--n",
        "1",
        "--concurrency",
        "2",
        "-q",
        "-o",
        "out",
      ];

      // Ctrl-C: the command stops its requests itself, keeps the journal, and cleans up on its way out.
      const int = start(cwd, args);
      await until(() => server.requests.length >= 4);
      int.child.kill("SIGINT");
      const i = await int.ended;
      expect(i.code).toBe(130);
      expect(i.err).toMatch(
        /keychain-synth: Rollout interrupted: \d+ of 30 records are kept in "out\/toy\/train-m\.jsonl\.partial\.jsonl"; rerun the same command to resume\.\n$/,
      );
      expect(i.err).not.toMatch(/\n\s+at /);
      expect(filesUnder(join(cwd, "out"))).toEqual(["toy/train-m.jsonl.partial.jsonl"]);

      const term = start(cwd, args);
      await until(() => server.requests.length >= 10);
      term.child.kill("SIGTERM");
      const t = await term.ended;
      expect(t.code).toBe(143);
      expect(t.err).toMatch(/keychain-synth: terminated \(SIGTERM\); 1 lock released\n$/);
      expect(filesUnder(join(cwd, "out"))).toEqual(["toy/train-m.jsonl.partial.jsonl"]);

      const killed = start(cwd, args);
      await until(() => server.requests.length >= 16);
      killed.child.kill("SIGKILL");
      await killed.ended;
      expect(filesUnder(join(cwd, "out"))).toEqual([
        "toy/train-m.jsonl.lock",
        "toy/train-m.jsonl.partial.jsonl",
      ]);

      const rerun = await run(cwd, args);
      expect(rerun.code).toBe(0);
      expect(rerun.err).toBe(
        `keychain-synth: note: taking over the lock "out/toy/train-m.jsonl.lock" of pid ${killed.child.pid} on ${hostname()} (started ${/started ([^)]+)\)/.exec(rerun.err)?.[1]}), which is no longer running\n`,
      );
      expect(filesUnder(join(cwd, "out"))).toEqual(["toy/train-m.jsonl"]);
      const rows = (await readFile(join(cwd, "out/toy/train-m.jsonl"), "utf8")).trim().split("\n");
      expect(rows.map((l) => JSON.parse(l).id)).toEqual(Array.from({ length: 30 }, (_, i) => `q${i}`));
    } finally {
      await server.close();
    }
  }, 60_000);
});
