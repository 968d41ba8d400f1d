import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WriteError } from "../../src/errors.js";
import type { Manifest } from "../../src/pipeline/manifest.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { configIn, counter, readJson, smallConfigYaml, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("kcs-pipeline-fail-"));
});
afterEach(async () => {
  await cleanup();
});

const PLAIN_900 = "out/plain/small/train-num_sample_5-max_seq_900.jsonl";

describe("runPipeline records a failed write in the manifest", () => {
  it("a step whose file cannot be written: the step failed with the error, the run failed, the error rethrown", async () => {
    await mkdir(join(dir, PLAIN_900), { recursive: true }); // a folder under the file's name: EISDIR
    const config = await configIn(dir, smallConfigYaml());
    const error = await runPipeline(config, { counter: counter() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("EISDIR");
    const manifest: Manifest = await readJson(join(dir, "out/manifest.json"));
    expect(manifest.status).toBe("failed");
    expect(manifest.error).toBe((error as Error).message);
    expect(manifest.steps.map((s) => s.status)).toEqual(["done", "failed", "pending", "pending"]);
    expect(manifest.steps[1]?.error).toBe(`plain small: ${(error as Error).message}`);
    expect(manifest.totals).toMatchObject({ done: 1, failed: 1, pending: 2 });
  });
});
