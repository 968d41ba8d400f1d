import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerMerge, registerPipeline } from "../../src/cli/pipeline.js";
import type { MergeResult } from "../../src/pipeline/merge.js";
import { ShardMergeError } from "../../src/pipeline/problems.js";
import { fileExists } from "../../src/pipeline/sidecar.js";
import { readJson, smallConfigYaml, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let stdout: string[];
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("kcs-pipeline-cli-"));
  stdout = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  for (const name of [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "JOB_COMPLETION_INDEX",
    "KEYCHAIN_SYNTH_SHARDS",
  ])
    vi.stubEnv(name, undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await cleanup();
});

async function cli(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerPipeline(program);
  registerMerge(program);
  await program.parseAsync(args, { from: "user" });
}

/** Run `f` with these environment variables set, then unset them again. */
async function withEnv(vars: Record<string, string>, f: () => Promise<void>): Promise<void> {
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
  try {
    await f();
  } finally {
    for (const k of Object.keys(vars)) vi.stubEnv(k, undefined);
  }
}

const PLAIN_600 = "out/plain/small/train-num_sample_5-max_seq_600";

describe("pipeline and merge commands", () => {
  it("take the shard from a Slurm array, then from a Kubernetes Indexed Job, then merge and export", async () => {
    const config = join(dir, "pipeline.yaml");
    await writeFile(config, smallConfigYaml());

    await withEnv({ SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_MAX: "2" }, () =>
      cli("pipeline", "--config", config, "-q"),
    );
    expect(await fileExists(join(dir, `${PLAIN_600}.shard-0-of-2.jsonl`))).toBe(true);
    expect((await readJson(join(dir, "out/manifest.shard-0-of-2.json"))).shard).toEqual({
      index: 0,
      count: 2,
      from: "slurm",
    });

    await withEnv({ JOB_COMPLETION_INDEX: "1", KEYCHAIN_SYNTH_SHARDS: "2" }, () =>
      cli("pipeline", "--config", config, "-q"),
    );
    expect((await readJson(join(dir, "out/manifest.shard-1-of-2.json"))).shard).toEqual({
      index: 1,
      count: 2,
      from: "kubernetes",
    });

    await cli("merge", "--config", config);
    expect(stdout.join("")).toContain("merged 4 files, 0 already up to date");
    await cli("pipeline", "--config", config, "-q");
    expect(stdout.join("")).toMatch(/4 files: 0 made, 4 up to date; manifest .*out\/manifest\.json/);
    expect(
      await fileExists(join(dir, "out/verl/plain/small/train-num_sample_5-max_seq_600/train.parquet")),
    ).toBe(true);
  });

  it("pipeline and merge print their results as JSON with --json (merge -q is accepted)", async () => {
    const config = join(dir, "pipeline.yaml");
    await writeFile(config, smallConfigYaml());
    await cli("pipeline", "--config", config, "--shard", "0/2", "-q");
    stdout.length = 0;
    await cli("pipeline", "--config", config, "--shard", "1/2", "-q", "--json");
    const second = JSON.parse(stdout.join("")) as {
      manifestPath: string;
      summaries: { path: string; written: number }[];
    };
    expect(second.manifestPath).toBe(join(dir, "out/manifest.shard-1-of-2.json"));
    expect(second.summaries.length).toBeGreaterThan(0);
    expect(second.summaries.every((s) => s.path.includes(".shard-1-of-2.jsonl"))).toBe(true);

    stdout.length = 0;
    await cli("merge", "--config", config, "--json", "-q");
    const merged = JSON.parse(stdout.join("")) as MergeResult;
    expect(merged.merged).toHaveLength(4);
    expect(merged.upToDate).toEqual([]);
    expect(merged.merged.every((m) => m.shards === 2)).toBe(true);

    stdout.length = 0;
    await cli("merge", join(dir, "out"), "-q");
    expect(stdout.join("")).toMatch(/merged 0 files, 4 already up to date\n$/);
  });

  it("merge fails naming the missing shard", async () => {
    const config = join(dir, "pipeline.yaml");
    await writeFile(config, smallConfigYaml());
    await cli("pipeline", "--config", config, "--shard", "0/2", "-q");
    const error = await cli("merge", join(dir, "out")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardMergeError);
    expect((error as Error).message).toContain(
      `missing shard 1 of 2: ${join(dir, `${PLAIN_600}.shard-1-of-2.jsonl`)}`,
    );
  });
});
