import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  growYaml,
  parityAnswer,
  range,
  shuffledQuestions,
  writeCorpus,
  writeExisting,
} from "../grow/world.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";

const CLI = join(process.cwd(), "dist", "cli", "main.js");

let dir: string;
let server: OpenAIServer;
let config: string;

/** Run the built CLI (asynchronously: the test server answers from this process). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("node", [CLI, ...args], { cwd: dir }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: stdout.replaceAll(dir, "<dir>"), stderr: stderr.replaceAll(dir, "<dir>") });
    });
  });
}

async function writeConfig(name: string, extra = ""): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  const yaml = growYaml({
    out: name,
    corpus: "toy.jsonl",
    existing: "existing",
    url: server.url,
    extra,
  }).replace("  tokens_to_generate: 8\n", "  tokens_to_generate: 8\n  tokenizer: approx\n");
  await writeFile(path, yaml);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-grow-cli-"));
  server = await startOpenAIServer({ answer: parityAnswer });
  const corpus = await writeCorpus(join(dir, "toy.jsonl"));
  const questions = await shuffledQuestions(corpus);
  await writeExisting(join(dir, "existing"), questions, range(0, 10), 64);
  await writeExisting(join(dir, "existing"), questions, range(10, 20), 128);
  config = await writeConfig("out");
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("keychain-synth grow", () => {
  it("--dry-run prints the plan and writes nothing", async () => {
    const r = await cli(["grow", "--config", config, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "toy: 100 questions, key id, new windows from position 20
        length  existing  need  first window  existing set
            64        10    10  [20, 35)      <dir>/existing/toy/train-num_sample_10-max_seq_64-LoongRL-14b-swift-filtered.jsonl
           128        10    10  [35, 50)      <dir>/existing/toy/train-num_sample_10-max_seq_128-LoongRL-14b-swift-filtered.jsonl
      "
    `);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("grows the sets, reports progress on stderr and the status table on stdout", async () => {
    const r = await cli(["grow", "--config", config]);
    expect(r.stderr).toContain("[toy 64] round 1 plain: 15");
    expect(r.stderr).toContain("[toy 128] merge: 20");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "dataset  length  status    stage  rows/target  rounds
      toy          64  complete  merge        20/20       3
      toy         128  complete  merge        20/20       4
      total: 2 complete, 0 in progress, 0 pending, 0 failed; 40/40 rows; 7 rounds
      "
    `);
  });

  it("--status reads the manifest through the config or directly", async () => {
    const a = await cli(["grow", "--status", "--config", config]);
    const b = await cli(["grow", "--status", "--manifest", join(dir, "out", "manifest.json")]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(a.stdout).toContain("total: 2 complete, 0 in progress, 0 pending, 0 failed; 40/40 rows");
  });

  it.each([
    [["grow", "--status", "--manifest", "nowhere.json"], 2, 'No grow manifest at "nowhere.json"'],
    [["grow"], 2, "grow needs --config FILE"],
    [["grow", "--config", "missing.yaml"], 2, 'Cannot read the grow config "missing.yaml"'],
  ])("%j exits %i", async (args, code, message) => {
    const r = await cli(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
  });

  it("exits 2 on a changed config and 1 when a set cannot reach its target", async () => {
    const changed = await writeConfig("out", "sft: {model_tag: Other}\n");
    const r = await cli(["grow", "--config", changed]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("(sft.modelTag)");
    const short = await writeConfig("short", "max_rounds: 1\n");
    const s = await cli(["grow", "--config", short, "-q"]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain("2 data set × length cells did not reach the target");
    expect(s.stdout).toContain("failed");
  });
});
