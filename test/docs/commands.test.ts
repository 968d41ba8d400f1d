/**
 * Every `keychain-synth` command shown in README.md and docs/*.md runs as written and ends as the document
 * says (exit 0 unless a `# exits N` comment says otherwise). Each document runs in its own sandbox, its
 * commands in document order, so a recipe's outputs feed its next step; files the text asks to save (code
 * blocks with `title="…"`) are written when the reading reaches them.
 *
 * What the test provides, and the one thing it changes in a command:
 * - `keychain-synth` on PATH is the built CLI (`node dist/cli/main.js`, made by `npm run build`; npm test
 *   builds first). Commands run in bash, so globs, loops and `\` continuations work as in a terminal.
 * - The inputs the documents name (test/docs/doc-inputs.ts): the public data sets as `download` leaves
 *   them, your own data, rollout files, verl rollout logs, a local ChatQA2 copy.
 * - A token-count cache in the sandbox (`KEYCHAIN_SYNTH_CACHE`) and a sandbox HOME, so nothing is written
 *   outside it.
 * - LLM servers: the documents use vLLM's default `http://localhost:8000/v1` (and `http://gpu1:8000/v1`…
 *   for replicas). The CLI has no environment fallback for `--base-url`, so the test rewrites the host:port
 *   of `http://<host>:8000` URLs — and nothing else of the command — to a loopback OpenAI-compatible server
 *   that knows the answers (test/docs/knowing-model.ts). The same rewrite applies to saved config files.
 * - `download` needs the internet: with the files in place (as after a download) it fetches nothing and
 *   checks them; the documented `--mirror http://<host>:8080/` example is pointed (same host:port rewrite)
 *   at a loopback server holding the files, after the test removes them, so that one really downloads.
 *
 * Commands the test does not run (installs, GPU trainers, a browser) are listed in NOT_RUN with the reason;
 * a command that is neither run nor listed fails the test. The commands checked are printed at the end.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT } from "../support/cli.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { writeDocInputs } from "./doc-inputs.js";
import { knowingModel } from "./knowing-model.js";
import { commandsOutsideShellBlocks, type DocStep, docSteps } from "./markdown-commands.js";

/** The documents, README first. */
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/**
 * Commands the documents show that this test does not run, each with the reason: an entry matches the
 * command itself and the commands that start with it (its first words). The first match counts.
 */
const NOT_RUN: { command: string; reason: string }[] = [
  {
    command: "npm ci && npm run demo",
    reason: "the full demo (2,000 questions); test/cli/demo.test.ts runs `demo` on a smaller corpus",
  },
  { command: "npm ci", reason: "installs the dependencies; CI runs it before npm test" },
  { command: "npm test", reason: "the whole suite, this test included; CI runs it" },
  { command: "npm run build", reason: "would rebuild dist/ under the running suite; npm test builds first" },
  { command: "npm link", reason: "changes the global npm folder" },
  { command: "npm pack", reason: "writes a tarball into the checkout" },
  { command: "npm install /path/to/keychain-synth-0.1.0.tgz", reason: "installs into another project" },
  { command: "npm run screenshot", reason: "needs Chromium; the script is not part of npm test" },
  { command: "vllm serve", reason: "needs vLLM and a GPU; the test serves a model of its own instead" },
  { command: "python3 -m verl.trainer.main_ppo", reason: "needs verl, GPUs and a model" },
  { command: "swift sft", reason: "needs ms-swift, GPUs and a model" },
];

/** The first NOT_RUN entry of a command: the command itself, or its first words. */
const notRun = (text: string) => NOT_RUN.find((n) => text === n.command || text.startsWith(`${n.command} `));

/** Shell commands besides keychain-synth that the documents use between steps; run as written. */
const SHELL_HELPERS = new Set(["cat", "cmp", "for"]);

/** Set-up a command needs before it runs, with the reason. */
const PRECONDITIONS: { command: RegExp; why: string; run(dir: string): Promise<void> }[] = [
  {
    command: /^keychain-synth download hotpotqa .*--mirror /,
    why: "so the download from the (loopback) mirror really fetches the files",
    run: (dir) => rm(join(dir, "data/hotpotqa"), { recursive: true, force: true }),
  },
];

const runsCommand = (text: string): boolean =>
  /(^|[\s;&|(])keychain-synth\s/.test(text) || SHELL_HELPERS.has(text.split(/\s/)[0] ?? "");

/** Documents run at once (each runs its commands one after the other). */
const LANES = 2;

interface Outcome {
  /** The command as run (URLs rewritten). */
  ran: string;
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

type Command = Extract<DocStep, { kind: "command" }>;

const steps = new Map(DOCS.map((doc) => [doc, docSteps(readFileSync(join(ROOT, doc), "utf8"))]));
const outcomes = new Map<string, Outcome>();
const key = (doc: string, step: Command) => `${doc}:${step.line}`;

let root = "";
let llm: OpenAIServer | undefined;
let mirror: Server | undefined;
let rewrite: (text: string) => string = (t) => t;

/** A loopback server of the files in `dir`, by name, as a download mirror serves them. */
async function startMirror(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const name = basename(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    readFile(join(dir, name)).then(
      (body) => res.writeHead(200, { "content-length": body.length }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function runShell(text: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", text], { cwd, env, timeout: 120_000 });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    child.on("error", (e) => resolve({ ran: text, code: null, out, err: `${err}${e.message}`, ms: 0 }));
    child.on("close", (code) => resolve({ ran: text, code, out, err, ms: Date.now() - started }));
  });
}

/** Run one document's steps in its own copy of the inputs. */
async function runDoc(doc: string, inputs: string, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = join(root, doc.replace(/[/.]/g, "_"));
  await cp(inputs, dir, { recursive: true });
  for (const step of steps.get(doc) ?? []) {
    if (step.kind === "file") {
      await mkdir(dirname(join(dir, step.path)), { recursive: true });
      await writeFile(join(dir, step.path), rewrite(step.content));
      continue;
    }
    if (!runsCommand(step.text)) continue;
    for (const p of PRECONDITIONS) if (p.command.test(step.text)) await p.run(dir);
    outcomes.set(key(doc, step), await runShell(rewrite(step.text), dir, env));
  }
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does)`);
  root = await mkdtemp(join(tmpdir(), "kcs-docs-"));
  const inputs = join(root, "inputs");
  const answers = await writeDocInputs(inputs);
  llm = await startOpenAIServer({ answer: knowingModel(answers) });
  const files = await startMirror(join(inputs, "data/hotpotqa"));
  mirror = files.server;
  const llmOrigin = new URL(llm.url).origin;
  rewrite = (text) =>
    text.replace(/http:\/\/[\w.-]+:8000/g, llmOrigin).replace(/http:\/\/[\w.-]+:8080/g, files.origin);

  const bin = join(root, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "keychain-synth"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(join(bin, "keychain-synth"), 0o755);
  const home = join(root, "home");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: home,
    XDG_CACHE_HOME: join(home, ".cache"),
    HF_HOME: join(home, "hf"),
    KEYCHAIN_SYNTH_CACHE: join(root, "token-cache"),
    NO_COLOR: "1",
  };
  // Nothing from the environment of the run: keys, Hub cache, scheduler shard variables.
  for (const name of Object.keys(env))
    if (/^(OPENAI_|HF_HUB_|SLURM_|JOB_COMPLETION_INDEX$|KEYCHAIN_SYNTH_SHARDS$)/.test(name)) delete env[name];

  // Documents with commands, the longest first, so the lanes end together.
  const runs = (doc: string) =>
    (steps.get(doc) ?? []).filter((s) => s.kind === "command" && runsCommand(s.text)).length;
  const queue = DOCS.filter((doc) => runs(doc) > 0).sort((a, b) => runs(b) - runs(a));
  const lane = async () => {
    for (let doc = queue.shift(); doc !== undefined; doc = queue.shift()) await runDoc(doc, inputs, env);
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}, 900_000);

afterAll(async () => {
  const lines: string[] = [];
  for (const doc of DOCS) {
    const commands = (steps.get(doc) ?? []).filter((s): s is Command => s.kind === "command");
    if (commands.length === 0) continue;
    lines.push(`${doc}: ${commands.filter((s) => outcomes.has(key(doc, s))).length} run`);
    for (const s of commands) {
      const o = outcomes.get(key(doc, s));
      const how = o ? `exit ${o.code}, ${(o.ms / 1000).toFixed(1)} s` : `not run: ${notRun(s.text)?.reason}`;
      lines.push(`  ${doc}:${s.line}  ${s.text}  (${how})`);
    }
  }
  console.log(`Documented commands (${outcomes.size} run):\n${lines.join("\n")}`);
  await llm?.close();
  await new Promise<void>((resolve) => (mirror ? mirror.close(() => resolve()) : resolve()));
  if (root !== "") await rm(root, { recursive: true, force: true });
});

describe("documented commands", () => {
  for (const doc of DOCS) {
    const commands = (steps.get(doc) ?? []).filter((s): s is Command => s.kind === "command");
    if (commands.length === 0) continue;
    describe(doc, () => {
      for (const step of commands) {
        const name = `${doc}:${step.line} ${step.text}`;
        if (!runsCommand(step.text)) {
          const reason = notRun(step.text)?.reason;
          if (reason === undefined) {
            it(name, () => {
              expect.fail(
                `${doc}:${step.line}: "${step.text}" is neither run nor listed in NOT_RUN with a reason`,
              );
            });
          } else it.skip(`${name} — not run: ${reason}`, () => {});
          continue;
        }
        it(name, () => {
          const o = outcomes.get(key(doc, step));
          if (o === undefined) return expect.fail(`${doc}:${step.line}: not run`);
          const message = [
            `${doc}:${step.line}: \`${o.ran}\` exited ${o.code}, the document says ${step.exitCode}`,
            `--- stderr ---\n${o.err.slice(-4000)}`,
            `--- stdout ---\n${o.out.slice(-2000)}`,
          ].join("\n");
          expect(o.code, message).toBe(step.exitCode);
        });
      }
    });
  }

  it("every NOT_RUN entry matches a command of the documents (none is stale)", () => {
    const shown = DOCS.flatMap((doc) =>
      (steps.get(doc) ?? []).flatMap((s) => (s.kind === "command" ? [s.text] : [])),
    );
    const used = new Set(shown.map(notRun));
    expect(NOT_RUN.filter((n) => !used.has(n)).map((n) => n.command)).toEqual([]);
  });

  it("no keychain-synth command hides in a block that is not a shell block", () => {
    const hidden = DOCS.flatMap((doc) =>
      commandsOutsideShellBlocks(readFileSync(join(ROOT, doc), "utf8")).map(
        (c) => `${doc}:${c.line} ${c.text}`,
      ),
    );
    expect(hidden).toEqual([]);
  });
});
