import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
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
import { useCliSandbox } from "../support/cli.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";

const sandbox = useCliSandbox("ks-grow-cli-");
let server: OpenAIServer;
let config: string;

/** Run the built CLI (asynchronously: the test server answers from this process); the folder prints as <dir>. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await sandbox.runAsync(...args);
  const dir = sandbox.dir;
  return { code: r.code, stdout: r.out.replaceAll(dir, "<dir>"), stderr: r.err.replaceAll(dir, "<dir>") };
}

async function writeConfig(name: string, extra = ""): Promise<string> {
  const path = join(sandbox.dir, `${name}.yaml`);
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
  server = await startOpenAIServer({ answer: parityAnswer });
  const corpus = await writeCorpus(join(sandbox.dir, "toy.jsonl"));
  const questions = await shuffledQuestions(corpus);
  await writeExisting(join(sandbox.dir, "existing"), questions, range(0, 10), 64);
  await writeExisting(join(sandbox.dir, "existing"), questions, range(10, 20), 128);
  config = await writeConfig("out");
});

afterAll(async () => {
  await server.close();
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
    expect(existsSync(join(sandbox.dir, "out"))).toBe(false);
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
    const b = await cli(["grow", "--status", "--manifest", join(sandbox.dir, "out", "manifest.json")]);
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
