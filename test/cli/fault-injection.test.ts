/**
 * Fault injection on the built CLI: signals at seeded random points of plain, keychain, pipeline, rollout,
 * sft convert and grow; a full device under plain, sft convert and export verl (a real small tmpfs when the
 * tests run as root and may mount one); and, on every platform, the atomic writer fed a device that fills up
 * after N bytes. Each case asserts the exit code, the message, that no temporary file (nor lock) is left, and
 * that a rerun equals an uninterrupted run byte for byte (manifests with timings masked, as
 * scripts/golden-run.sh masks them).
 *
 * Every command runs in the same folder (`<base>/work`, emptied between runs) so that the paths its outputs
 * record are those of the reference run. `FAULT_TABLE=1` prints the table of what was measured.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { SchemaElement } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WriteError } from "../../src/errors.js";
import { AtomicParquetFile } from "../../src/export/parquet-file.js";
import { AtomicFile, liveTempFiles, writeAtomic } from "../../src/io/atomic.js";
import { Rng } from "../../src/rng.js";
import { writeWorldJsonl } from "../../src/synthetic/index.js";
import {
  growYaml,
  parityAnswer,
  range,
  shuffledQuestions,
  writeCorpus,
  writeExisting,
} from "../grow/world.js";
import { BIN } from "../support/cli.js";
import {
  type Ended,
  type FaultRow,
  filesUnder,
  fullDevice,
  leftovers,
  type Running,
  renderTable,
  settleWithin,
  snapshot,
  snapshotDiff,
  startCli,
} from "../support/fault-injection.js";
import { type ChatBody, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGKILL"] as const;
type Signal = (typeof SIGNALS)[number];
const EXIT: Record<Signal, number> = { SIGINT: 130, SIGTERM: 143, SIGKILL: 137 };
/** The earliest a signal is sent after the spawn. @unit ms */
const MIN_DELAY_MS = 5;
/** Questions of the synthetic corpus of plain, keychain and pipeline. */
const WORLD_QUESTIONS = 700;
const ROLLOUT_RECORDS = 60;
/** The rollout file `sft convert` reads (relative to the work folder). */
const SFT_INPUT = "../traj/toy/train-num_sample_7000-max_seq_4096-m.jsonl";

let root: string;
/** How long the CLI takes to start (`--version`): a SIGKILL before then hits no command. @unit ms */
let startupMs = 0;
const table: FaultRow[] = [];
const summary: string[] = [];
const t0 = performance.now();

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first`);
  root = await mkdtemp(join(tmpdir(), "ks-fault-"));
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    const r = await startCli(root, ["--version"]).ended;
    expect(r.code).toBe(0);
    times.push(r.ms);
  }
  startupMs = Math.min(...times);
  await writeWorldJsonl(join(root, "world.jsonl"), { seed: 7, questions: WORLD_QUESTIONS });
});

/** The synthetic corpus of plain, keychain and pipeline (written once). */
const world = () => join(root, "world.jsonl");

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  summary.push(
    `file duration: ${((performance.now() - t0) / 1000).toFixed(1)} s; CLI startup ${startupMs.toFixed(0)} ms`,
  );
  if (process.env.FAULT_TABLE) process.stdout.write(`\n${renderTable(table)}\n${summary.join("\n")}\n`);
});

// ------------------------------------------------------------------------------------------------ signals

/** One command under signals: its inputs, arguments and the messages it may print when stopped. */
interface CommandCase {
  name: string;
  seeds: number;
  /** The signals of seeds 1, 2, …, in order. @default a seeded permutation of INT, TERM and KILL */
  signals?: Signal[];
  /**
   * Requests the command's server has received so far. For an LLM stage the signal's delay counts from its
   * first request (the work starts there, after Node's startup); for the others, from the spawn.
   */
  requests?(): number;
  /** Make the inputs in `base` (beside the work folder: arguments name them `../…`); start servers. */
  prepare(base: string): Promise<void>;
  /** Files each run starts with in the emptied work folder (configs), relative path → text. */
  staged?(): Record<string, string>;
  args(): string[];
  /** The stderr of an INT/TERM the command handled, besides the generic handler's line. */
  messages?(signal: Signal): RegExp[];
  /** Lines a rerun may print on stderr (all are run with -q or print nothing there). */
  rerunNotes?: RegExp;
  /** After a SIGKILL, damage what a crash may also leave (a torn journal line); a note for the table. */
  afterKill?(work: string): Promise<string | undefined>;
  close?(): Promise<void>;
}

/** The line of the CLI's own handler: temporary files removed and locks released, counted. */
function handlerLine(signal: Signal): RegExp {
  const word = signal === "SIGINT" ? "interrupted" : "terminated";
  return new RegExp(
    `^\\nkeychain-synth: ${word} \\(${signal}\\)(; \\d+ temporary files? removed(, \\d+ locks? released)?|; \\d+ locks? released)?\\n$`,
  );
}

const lockNote =
  /^keychain-synth: note: taking over the lock "[^"]+\.lock" of pid \d+ on [^ ]+ \(started [^)]+\), which is no longer running$/;

/** A rollout input: the loopback server answers from the `[gold: …]` marker. */
const rolloutRecord = (i: number) => ({
  id: `q${i}`,
  input: `Who is number ${i}?`,
  context: `Passage 1: filler ${i}.\nPassage 2: it is [gold: Person ${i}].`,
  answers: [`Person ${i}`],
});
const boxedAnswer = (body: ChatBody) => {
  const gold = /\[gold:\s*([^\]]*)\]/.exec(body.messages.at(-1)?.content ?? "")?.[1] ?? "";
  const k = Number(/\d+/.exec(gold)?.[0] ?? 0);
  return `<think>passage 2 of ${k}</think> \\boxed{${k % 3 === 0 ? "Nobody" : gold}}`;
};

/** A rollout file as `rollout` writes it, big enough for `sft convert` to take a moment. */
function rolloutFileText(records: number): string {
  const lines: string[] = [];
  for (let i = 0; i < records; i++) {
    const gold = `Person ${i}`;
    const trajectories = [0, 1, 2, 3].map((k) => {
      const ok = (i + k) % 3 !== 0;
      const answer = ok ? gold : "Nobody";
      return {
        text: `${`step ${k} about number ${i}; `.repeat(20)}</think>\\boxed{${answer}}`,
        extracted_answer: answer,
        sub_em: ok ? 1 : 0,
        em: ok ? 1 : 0,
        f1: ok ? 1 : 0,
        is_correct: ok ? 1 : 0,
      };
    });
    lines.push(
      JSON.stringify({
        index: i,
        source_index: i,
        id: `q${i}`,
        input: `Who is number ${i}?`,
        context: `Passage 1:\n${`Town ${i} has a mill. `.repeat(15)}\n\nPassage 2:\nNumber ${i} is ${gold}.`,
        answers: [gold],
        answer_aliases: [],
        length: 4000,
        prompt_length: 3872,
        target_length: 4096,
        num_docs: 2,
        gold_positions: [1],
        dataset: "toy",
        seed: 42,
        placement: "shuffle",
        model: "m",
        trajectories,
        num_correct: trajectories.filter((t) => t.is_correct).length,
        pass_rate: trajectories.filter((t) => t.is_correct).length / 4,
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

const PIPELINE_YAML = `out: pipe
seed: 3
tokenizer: approx
datasets: [{name: world, path: ../world.jsonl}]
lengths: [4k, 8k]
num_samples: 40
kinds:
  plain: {placement: "depth:50"}
  keychain: {hops: 3}
export:
  verl: {test_size: 2, valid_size: 2}
`;

let rolloutServer: OpenAIServer | undefined;
let growServer: OpenAIServer | undefined;

const COMMANDS: CommandCase[] = [
  {
    name: "plain",
    seeds: 3,
    prepare: async (base) => {
      await copyFile(world(), join(base, "world.jsonl"));
    },
    args: () => [
      "plain",
      "-i",
      "../world.jsonl",
      "--lengths",
      "4k,8k",
      "-n",
      "100",
      "-t",
      "approx",
      "-o",
      "out",
      "-q",
    ],
  },
  {
    name: "keychain",
    seeds: 3,
    prepare: async (base) => {
      await copyFile(world(), join(base, "world.jsonl"));
    },
    args: () => [
      "keychain",
      "-i",
      "../world.jsonl",
      "--lengths",
      "4k,8k",
      "-n",
      "50",
      "-t",
      "approx",
      "-o",
      "out",
      "-q",
    ],
  },
  {
    name: "pipeline",
    seeds: 3,
    prepare: async (base) => {
      await copyFile(world(), join(base, "world.jsonl"));
    },
    staged: () => ({ "pipeline.yaml": PIPELINE_YAML }),
    args: () => ["pipeline", "--config", "pipeline.yaml", "-q"],
  },
  {
    name: "rollout",
    seeds: 2,
    signals: ["SIGKILL", "SIGINT"],
    requests: () => rolloutServer?.requests.length ?? 0,
    prepare: async (base) => {
      rolloutServer = await startOpenAIServer({ answer: boxedAnswer, latencyMs: () => 40 });
      await mkdir(join(base, "toy"));
      const lines = Array.from(
        { length: ROLLOUT_RECORDS },
        (_, i) => `${JSON.stringify(rolloutRecord(i))}\n`,
      );
      await writeFile(join(base, "toy/train.jsonl"), lines.join(""));
    },
    args: () => [
      "rollout",
      "-i",
      "../toy/train.jsonl",
      "-m",
      "m",
      "--base-url",
      (rolloutServer as OpenAIServer).url,
      "--n",
      "2",
      "--concurrency",
      "2",
      "-q",
      "-o",
      "out",
    ],
    messages: (signal) =>
      signal === "SIGINT"
        ? [
            new RegExp(
              `^\\nkeychain-synth: interrupted, stopping requests…\\nkeychain-synth: Rollout interrupted: \\d+ of ${ROLLOUT_RECORDS} records are kept in "out/toy/train-m\\.jsonl\\.partial\\.jsonl"; rerun the same command to resume\\.\\n$`,
            ),
          ]
        : [],
    rerunNotes: lockNote,
    afterKill: async (work) => {
      // Power lost mid-append: the journal's last line is torn. The rerun must drop it and redo that record.
      const journal = join(work, "out/toy/train-m.jsonl.partial.jsonl");
      if (!existsSync(journal)) return undefined;
      await appendFile(journal, '{"index": 7, "id": "q7", "trajectories": [{"text": "<think>cut');
      return "torn journal line appended";
    },
    close: async () => rolloutServer?.close(),
  },
  {
    name: "sft convert",
    seeds: 3,
    prepare: async (base) => {
      await mkdir(join(base, "traj/toy"), { recursive: true });
      await writeFile(join(base, SFT_INPUT.slice(3)), rolloutFileText(7000));
    },
    args: () => ["sft", "convert", SFT_INPUT, "-o", "sft", "--by-dataset"],
  },
  {
    name: "grow",
    seeds: 2,
    signals: ["SIGTERM", "SIGKILL"],
    requests: () => growServer?.requests.length ?? 0,
    prepare: async (base) => {
      growServer = await startOpenAIServer({ answer: parityAnswer, latencyMs: () => 30 });
      const corpus = await writeCorpus(join(base, "toy.jsonl"));
      const questions = await shuffledQuestions(corpus);
      await writeExisting(join(base, "existing"), questions, range(0, 10), 64);
      await writeExisting(join(base, "existing"), questions, range(10, 20), 128);
    },
    staged: () => ({
      "grow.yaml": growYaml({
        out: "out",
        corpus: "../toy.jsonl",
        existing: "../existing",
        url: (growServer as OpenAIServer).url,
      }).replace("  tokens_to_generate: 8\n", "  tokens_to_generate: 8\n  tokenizer: approx\n"),
    }),
    args: () => ["grow", "--config", "grow.yaml", "-q"],
    messages: (signal) =>
      signal === "SIGINT"
        ? [
            /^\nkeychain-synth: interrupted, stopping requests…\nkeychain-synth: Rollout interrupted: \d+ of \d+ records are kept in "out\/work\/toy\/max_seq_\d+\/round-\d+\/rollout\/toy\/[^"]+\.partial\.jsonl"; rerun the same command to resume\.\n$/,
          ]
        : [],
    rerunNotes: lockNote,
    close: async () => growServer?.close(),
  },
];

/**
 * The signal and the point (a fraction of the reference run) of seed `seed` of `seeds`, fixed by the seeds
 * alone. The points are stratified, seed k in [(k − 1)/seeds, k/seeds), so the seeds spread over the run
 * (startup, middle, end) instead of clustering; the signals are the command's list, else a seeded
 * permutation of INT, TERM and KILL, so a command's three seeds meet all three.
 */
function draw(c: CommandCase, seed: number): { signal: Signal; at: number } {
  const order = Rng.derive("fault-injection", c.name);
  const signals = [...SIGNALS];
  for (let i = signals.length - 1; i > 0; i--) {
    const j = Math.floor(order.float() * (i + 1));
    [signals[i], signals[j]] = [signals[j] as Signal, signals[i] as Signal];
  }
  const rng = Rng.derive("fault-injection", c.name, seed);
  const signal = (c.signals ?? signals)[(seed - 1) % (c.signals ?? signals).length] as Signal;
  return { signal, at: (seed - 1 + rng.float()) / c.seeds };
}

/** Resolves once `test` holds (polling every 2 ms) or the process ended; the ms waited. */
async function until(test: () => boolean, p: Running): Promise<number> {
  const t = performance.now();
  while (!test() && !p.done()) await sleep(2);
  return performance.now() - t;
}

/** Files of the work folder besides the staged configs and the token count cache. */
const outputsOf = (work: string, c: CommandCase) =>
  filesUnder(work, [".cache"]).filter((f) => !Object.keys(c.staged?.() ?? {}).includes(f));

const short = (files: readonly string[]) =>
  files.length === 0
    ? "none"
    : files.map((f) => f.replace(/\.\d+\.[0-9a-f]{8}\.tmp$/, ".<pid>.<hex>.tmp")).join(", ");

for (const c of COMMANDS) {
  describe(`signals during ${c.name}`, () => {
    let base: string;
    let work: string;
    let env: Record<string, string>;
    let referenceMs = 0;
    /** When the reference run's first request reached the server (LLM stages), else 0. @unit ms */
    let anchorMs = 0;
    let reference = new Map<string, string>();
    const outcomes: string[] = [];

    /** Empty the work folder and write the staged files: every run starts from the same state. */
    async function freshWork(): Promise<void> {
      await rm(work, { recursive: true, force: true });
      await mkdir(work);
      for (const [f, text] of Object.entries(c.staged?.() ?? {})) await writeFile(join(work, f), text);
    }

    beforeAll(async () => {
      base = join(root, c.name.replace(/\W+/g, "-"));
      work = join(base, "work");
      env = { KEYCHAIN_SYNTH_CACHE: join(work, ".cache") };
      await mkdir(base);
      await c.prepare(base);
      await freshWork();
      const before = c.requests?.() ?? 0;
      const p = startCli(work, c.args(), { env });
      const anchor = c.requests ? await until(() => (c.requests?.() ?? 0) > before, p) : 0;
      const r = await p.ended;
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      referenceMs = r.ms;
      anchorMs = anchor;
      reference = snapshot(work, [".cache"]);
      for (const f of Object.keys(c.staged?.() ?? {})) reference.delete(f);
      expect(reference.size).toBeGreaterThan(0);
      expect(leftovers([...reference.keys()])).toEqual({ temps: [], locks: [] });
    }, 120_000);

    afterAll(async () => {
      await c.close?.();
      const mid = outcomes.filter((o) => o.includes("mid-run")).length;
      summary.push(
        `${c.name}: reference ${referenceMs.toFixed(0)} ms, ${reference.size} files; ${mid} of ${outcomes.length} seeds stopped it mid-run (${outcomes.join("; ")})`,
      );
    });

    for (let seed = 1; seed <= c.seeds; seed++) {
      const { signal, at } = draw(c, seed);
      const point = `${(at * 100).toFixed(0)} % of the reference run${c.requests ? " after its first request" : ""}`;
      it(`seed ${seed}: ${signal} at ${point}; the rerun equals it byte for byte`, async () => {
        await freshWork();
        const staged = Object.keys(c.staged?.() ?? {});
        const span = referenceMs - anchorMs;
        const pause = Math.round(MIN_DELAY_MS + at * Math.max(0, span - MIN_DELAY_MS));
        const before = c.requests?.() ?? 0;
        const p = startCli(work, c.args(), { env });
        const waited = c.requests ? await until(() => (c.requests?.() ?? 0) > before, p) : 0;
        await Promise.race([sleep(pause), p.ended]);
        const delay = Math.round(waited + pause);
        if (!p.done()) p.child.kill(signal);
        const r: Ended = await p.ended;
        const after = outputsOf(work, c);
        const left = leftovers(filesUnder(work));
        /** Whether the outputs are already those of the reference run (the work was done). */
        const complete = () => snapshotDiff(reference, snapshot(work, [".cache", ...staged])).length === 0;

        let outcome: string;
        if (r.code === 0) {
          // Done before the signal came, or the signal came after the last request (LLM stages: noted, done).
          outcome = "finished first";
          expect(
            r.err === "" || /^\nkeychain-synth: interrupted, stopping requests…\n$/.test(r.err),
            r.err,
          ).toBe(true);
          expect(complete()).toBe(true);
        } else if (signal !== "SIGKILL" && r.code === EXIT[signal]) {
          outcome = "mid-run (handled)";
          const accepted = [handlerLine(signal), ...(c.messages?.(signal) ?? [])];
          expect(
            accepted.some((m) => m.test(r.err)),
            `stderr ${JSON.stringify(r.err)} is none of ${accepted.join(" ")}`,
          ).toBe(true);
          expect(r.err).not.toMatch(/\n\s+at /);
          expect(left).toEqual({ temps: [], locks: [] });
          // "N of M records are kept in J": the journal J holds its header line and exactly N records.
          const kept = /(\d+) of \d+ records are kept in "([^"]+)"/.exec(r.err);
          if (kept && (kept[1] !== "0" || existsSync(join(work, kept[2] as string)))) {
            const lines = (await readFile(join(work, kept[2] as string), "utf8")).split("\n");
            expect(lines.filter((l) => l !== "")).toHaveLength(Number(kept[1]) + 1);
          }
        } else if (signal !== "SIGKILL" && r.signal === signal) {
          // The signal's default action: before the CLI installed its handlers (Node starting, nothing written
          // yet), or once the process was exiting after the work was done (Node restores it at teardown).
          outcome = after.length === 0 ? "startup (default action)" : "teardown (default action)";
          expect(left).toEqual({ temps: [], locks: [] });
          if (after.length > 0) expect(complete()).toBe(true);
        } else if (signal === "SIGKILL" && r.signal === "SIGKILL") {
          outcome =
            after.length === 0 && delay < startupMs
              ? "startup (killed)"
              : after.length > 0 && complete()
                ? "killed after the work was done"
                : "mid-run (killed)";
        } else {
          throw new Error(
            `unexpected end: code ${r.code}, signal ${r.signal}, stderr ${JSON.stringify(r.err)}`,
          );
        }
        const tampered = signal === "SIGKILL" ? await c.afterKill?.(work) : undefined;
        outcomes.push(`${signal} @${delay} ms: ${outcome}`);

        const again = await startCli(work, c.args(), { env }).ended;
        const notes = again.err.split("\n").filter((l) => l !== "");
        expect(
          notes.every((l) => c.rerunNotes?.test(l) ?? false),
          `rerun stderr: ${JSON.stringify(again.err)}`,
        ).toBe(true);
        expect(again.code).toBe(0);
        const diff = snapshotDiff(reference, snapshot(work, [".cache", ...staged]));
        const end = leftovers(filesUnder(work));

        table.push({
          case: `${c.name} seed ${seed}: ${signal} @ ${c.requests ? `first request + ${pause}` : delay} ms of ${referenceMs.toFixed(0)} → ${outcome}`,
          exit: r.code === null ? `${r.signal} (${EXIT[signal]})` : String(r.code),
          message: r.err.trim() === "" ? "—" : r.err.trim(),
          left: `${short([...left.temps, ...left.locks])}${after.some((f) => f.endsWith(".partial.jsonl")) ? " + journal" : ""}${tampered ? ` (${tampered})` : ""}`,
          rerun: `${diff.length === 0 ? `identical (${reference.size} files)` : `DIFFERS: ${diff.join(", ")}`}${notes.length > 0 ? "; stale lock taken over" : ""}${end.temps.length + end.locks.length > 0 ? `; LEFT ${short([...end.temps, ...end.locks])}` : "; nothing left"}`,
        });
        expect(diff).toEqual([]);
        expect(end).toEqual({ temps: [], locks: [] });
      }, 60_000);
    }

    it("at least one seed stopped it mid-run", () => {
      expect(
        outcomes.some((o) => o.includes("mid-run")),
        `no seed interrupted ${c.name}: ${outcomes.join("; ")}`,
      ).toBe(true);
    });
  });
}

// -------------------------------------------------------------------------------- a full device: tmpfs

const diskRoot = join(tmpdir(), `ks-fault-full-${process.pid}`);
const disk = join(diskRoot, "disk");

/** Mount a tmpfs at `disk`; why not, when it cannot be done. */
function mountTmpfs(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root";
  spawnSync("mkdir", ["-p", disk]);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=256m", "tmpfs", disk], { encoding: "utf8" });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || "").trim()}`;
  return undefined;
}

/** Resize the tmpfs (remount); throws when the kernel refuses. */
function resize(bytes: number): void {
  const r = spawnSync("mount", ["-o", `remount,size=${bytes}`, disk], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot resize the tmpfs to ${bytes}: ${r.stderr}`);
}

function emptyDisk(): void {
  for (const f of readdirSync(disk)) rmSync(join(disk, f), { recursive: true, force: true });
}

const whyNoTmpfs = mountTmpfs();
if (whyNoTmpfs !== undefined) console.warn(`fault-injection tmpfs cases skipped: ${whyNoTmpfs}`);
// At the top level, so that it runs even when a filter (-t) skips the cases.
afterAll(() => {
  if (whyNoTmpfs === undefined) spawnSync("umount", [disk]);
  rmSync(diskRoot, { recursive: true, force: true });
});

describe.skipIf(whyNoTmpfs !== undefined)(
  "a full device (a small tmpfs): exit 1, one line naming the file, no temporary file; once there is room the rerun equals an uninterrupted run",
  () => {
    let inputs: string;
    beforeAll(async () => {
      inputs = join(diskRoot, "inputs");
      await mkdir(join(inputs, "traj/toy"), { recursive: true });
      await copyFile(world(), join(inputs, "world.jsonl"));
      await writeFile(join(inputs, SFT_INPUT.slice(3)), rolloutFileText(3000));
      const r = await startCli(inputs, [
        "plain",
        "-i",
        "world.jsonl",
        "-L",
        "8k",
        "-n",
        "100",
        "-t",
        "approx",
        "--no-cache",
        "-o",
        "plain",
        "-q",
      ]).ended;
      expect(r.code).toBe(0);
    }, 60_000);

    it.each([
      {
        name: "plain",
        args: () => [
          "plain",
          "-i",
          join(inputs, "world.jsonl"),
          "--lengths",
          "4k,8k",
          "-n",
          "80",
          "-t",
          "approx",
          "--no-cache",
          "-o",
          join(disk, "out"),
          "-q",
        ],
      },
      {
        name: "sft convert",
        args: () => [
          "sft",
          "convert",
          join(inputs, SFT_INPUT.slice(3)),
          "-o",
          join(disk, "out"),
          "--by-dataset",
        ],
      },
      {
        name: "export verl",
        args: () => [
          "export",
          "verl",
          "-i",
          join(inputs, "plain/world/train-num_sample_100-max_seq_8192.jsonl"),
          "-o",
          join(disk, "out"),
        ],
      },
    ])(
      "$name",
      async ({ name, args }) => {
        emptyDisk();
        resize(256 << 20);
        const ref = await startCli(diskRoot, args(), { timeoutMs: 30_000 }).ended;
        expect(ref.code).toBe(0);
        const reference = snapshot(disk);
        const bytes = filesUnder(disk).reduce((sum, f) => sum + readFileSync(join(disk, f)).length, 0);
        emptyDisk();
        // Room for about half the output: the write fails part way through.
        const room = Math.max(64 << 10, Math.floor(bytes / 2 / 4096) * 4096);
        resize(room);

        const r = await startCli(diskRoot, args(), { timeoutMs: 30_000 }).ended;
        const left = filesUnder(disk);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(
          new RegExp(
            `^keychain-synth: Cannot write "${disk}/out/[^"]+": no space left on device \\(ENOSPC\\)\\n$`,
          ),
        );
        expect(leftovers(left)).toEqual({ temps: [], locks: [] });
        // What is left was complete before the disk filled up: each file is the reference's.
        const partial = snapshot(disk);
        for (const [f, hash] of partial) expect(reference.get(f), f).toBe(hash);

        resize(256 << 20);
        const again = await startCli(diskRoot, args(), { timeoutMs: 30_000 }).ended;
        expect(again.code).toBe(0);
        const diff = snapshotDiff(reference, snapshot(disk));
        table.push({
          case: `${name}: tmpfs of ${(room / 1024).toFixed(0)} KiB for ${(bytes / 1024).toFixed(0)} KiB of output`,
          exit: String(r.code),
          message: r.err.trim().replaceAll(disk, "<disk>"),
          left: left.length === 0 ? "none" : `${left.length} complete files (as the reference's), no .tmp`,
          rerun: diff.length === 0 ? `identical (${reference.size} files)` : `DIFFERS: ${diff.join(", ")}`,
        });
        expect(diff).toEqual([]);
      },
      60_000,
    );
  },
);

// ------------------------------------------------------------ a full device: the atomic writer's stream

describe("a device that fills up after N bytes, through the atomic writer's injected stream (every platform)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ks-fault-stream-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** 1 MiB of numbered lines, written in chunks of `chunk` characters. */
  const CONTENT = Array.from(
    { length: 16384 },
    (_, i) => `line ${String(i).padStart(8, "0")} ${"x".repeat(48)}\n`,
  ).join("");
  const chunks = (size: number) =>
    Array.from({ length: Math.ceil(CONTENT.length / size) }, (_, i) =>
      CONTENT.slice(i * size, (i + 1) * size),
    );

  async function expectFailureThenRerun(
    name: string,
    folder: string,
    path: string,
    write: (createStream?: (tmp: string) => Writable) => Promise<void>,
    device: (tmp: string) => Writable,
    expected: Buffer | undefined,
  ): Promise<void> {
    const before = existsSync(folder) ? readdirSync(folder) : [];
    const old = existsSync(path) ? await readFile(path) : undefined;
    const started = performance.now();
    const error = await settleWithin(write(device), 5000, name).catch((e: unknown) => e);
    const ms = performance.now() - started;
    expect(error).toBeInstanceOf(WriteError);
    const message = (error as WriteError).message;
    expect(message).toBe(`Cannot write "${path}": no space left on device (ENOSPC)`);
    expect((error as WriteError).code).toBe("ENOSPC");
    expect((error as WriteError).exitCode).toBe(1);
    // Nothing new in the folder (no temporary file, no partial output); a file that was there is untouched.
    const left = readdirSync(folder);
    expect(left).toEqual(before);
    if (old !== undefined) expect((await readFile(path)).equals(old)).toBe(true);
    expect(liveTempFiles()).toEqual([]);
    await settleWithin(write(), 5000, `${name} rerun`);
    const bytes = await readFile(path);
    const same = expected === undefined || bytes.equals(expected);
    table.push({
      case: `atomic writer: ${name}`,
      exit: `WriteError (exit code 1) in ${ms.toFixed(0)} ms`,
      message: message.replaceAll(dir, "<dir>"),
      left: left.length === 0 ? "none" : `${left.join(", ")} (the old file, unchanged)`,
      rerun: same ? `identical (${bytes.length} bytes)` : "DIFFERS",
    });
    expect(same).toBe(true);
  }

  it.each([
    { capacity: 0, chunk: 65536, what: "no room at all" },
    { capacity: 1000, chunk: 4096, what: "room for 1000 bytes" },
    { capacity: 300_000, chunk: 65536, what: "room for 300 kB" },
    { capacity: CONTENT.length - 1, chunk: 100_000, what: "room for all but the last byte" },
  ])(
    "writeAtomic, $what: a WriteError naming the final file, nothing left, no hang; the rerun writes the same bytes",
    async ({ capacity, chunk }) => {
      const folder = join(dir, `w-${capacity}`);
      const path = join(folder, "data.jsonl");
      await expectFailureThenRerun(
        `writeAtomic, ${chunk}-byte writes, device full after ${capacity} bytes`,
        folder,
        path,
        (createStream) =>
          writeAtomic(
            path,
            async (file) => {
              for (const c of chunks(chunk)) await file.write(c);
            },
            createStream ? { createStream } : {},
          ),
        fullDevice(capacity),
        Buffer.from(CONTENT),
      );
    },
  );

  it("writeAtomic, the device reports ENOSPC when the file is closed: commit fails, nothing left", async () => {
    const folder = join(dir, "close");
    const path = join(folder, "data.jsonl");
    await expectFailureThenRerun(
      "writeAtomic, ENOSPC on close (flush)",
      folder,
      path,
      (createStream) =>
        writeAtomic(
          path,
          async (file) => {
            for (const c of chunks(65536)) await file.write(c);
          },
          createStream ? { createStream } : {},
        ),
      fullDevice(0, { failOnClose: true }),
      Buffer.from(CONTENT),
    );
  });

  it("AtomicFile.open / write / commit on an existing file: the old file is kept whole", async () => {
    const folder = join(dir, "open");
    const path = join(folder, "data.jsonl");
    await mkdir(folder);
    await writeFile(path, "old\n");
    const write = async (createStream?: (tmp: string) => Writable) => {
      const file = await AtomicFile.open(path, createStream ? { createStream } : {});
      try {
        for (const c of chunks(16384)) await file.write(c);
        await file.commit();
      } catch (e) {
        await file.abort();
        throw e;
      }
    };
    const error = await settleWithin(write(fullDevice(50_000)), 5000, "AtomicFile").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).message).toBe(`Cannot write "${path}": no space left on device (ENOSPC)`);
    expect(await readFile(path, "utf8")).toBe("old\n");
    expect(readdirSync(folder)).toEqual(["data.jsonl"]);
    await expectFailureThenRerun(
      "AtomicFile.open/write/commit over an existing file, device full after 50 kB",
      folder,
      path,
      write,
      fullDevice(50_000),
      Buffer.from(CONTENT),
    );
  });

  it("the parquet writer of export verl (AtomicParquetFile): a WriteError naming the .parquet file, nothing left", async () => {
    const schema: SchemaElement[] = [
      { name: "root", num_children: 2 },
      { name: "id", type: "INT32", repetition_type: "REQUIRED" },
      { name: "text", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
    ];
    const folder = join(dir, "parquet");
    const path = join(folder, "train.parquet");
    const write = async (createStream?: (tmp: string) => Writable) => {
      const file = await AtomicParquetFile.open(path, schema, createStream ? { createStream } : {});
      try {
        for (let g = 0; g < 8; g++) {
          const ids = Array.from({ length: 5000 }, (_, i) => g * 5000 + i);
          await file.writeRowGroup([
            { name: "id", data: ids, type: "INT32" },
            {
              name: "text",
              data: ids.map((i) => `row ${i}: ${Rng.derive(i).nextU32().toString(36)}`),
              type: "STRING",
            },
          ]);
        }
        await file.commit();
      } catch (e) {
        await file.abort();
        throw e;
      }
    };
    // The bytes an unhindered write gives, to compare the rerun with.
    await write();
    const expected = await readFile(path);
    await rm(folder, { recursive: true });
    await expectFailureThenRerun(
      `AtomicParquetFile, 8 row groups, device full after ${Math.floor(expected.length / 2)} bytes`,
      folder,
      path,
      write,
      fullDevice(Math.floor(expected.length / 2)),
      expected,
    );
  });
});
