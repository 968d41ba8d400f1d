import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WriteError } from "../../src/errors.js";
import type { Manifest } from "../../src/pipeline/manifest.js";
import { runPipeline } from "../../src/pipeline/run.js";
import { configIn, counter, readJson, smallConfigYaml, tempDir } from "./helpers.js";

// The disk fills up between the step's failure and the manifest's update: writing a failed manifest fails too.
vi.mock("../../src/pipeline/manifest.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/pipeline/manifest.js")>();
  return {
    ...original,
    writeManifest: async (path: string, manifest: Manifest) => {
      if (manifest.status === "failed") throw new WriteError(path, "no space left on device", "ENOSPC");
      await original.writeManifest(path, manifest);
    },
  };
});

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("kcs-pipeline-nospace-"));
});
afterEach(async () => {
  await cleanup();
});

describe("runPipeline when the manifest cannot record the failure", () => {
  it("reports the original error (the manifest's failure added to its message), not the manifest's", async () => {
    const file = join(dir, "out/plain/small/train-num_sample_5-max_seq_900.jsonl");
    await mkdir(file, { recursive: true });
    const config = await configIn(dir, smallConfigYaml());
    const error = await runPipeline(config, { counter: counter() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).path).toBe(file);
    expect((error as WriteError).code).toBe("EISDIR");
    expect((error as Error).message).toBe(
      `Cannot write "${file}": illegal operation on a directory (EISDIR) (the manifest "${join(dir, "out/manifest.json")}" could not be updated either: Cannot write "${join(dir, "out/manifest.json")}": no space left on device (ENOSPC))`,
    );
    // What is on disk is the last manifest that could be written.
    const manifest: Manifest = await readJson(join(dir, "out/manifest.json"));
    expect(manifest.status).toBe("running");
  });
});
