import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LockedError, WriteError } from "../../src/errors.js";
import {
  type GrowConfig,
  type GrowDeps,
  type GrowEvent,
  loadGrowConfig,
  readManifest,
  renderStatus,
  runGrow,
} from "../../src/grow/index.js";
import { growLockPath } from "../../src/grow/run.js";
import { type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { testPool } from "../support/stage-helpers.js";
import { wordCounter } from "../support/word-counter.js";
import { growYaml, parityAnswer, range, shuffledQuestions, writeCorpus, writeExisting } from "./world.js";

let root: string;
let server: OpenAIServer;
let corpus: string;
let existing: string;

function deps(extra: Partial<GrowDeps> = {}): GrowDeps {
  return {
    counter: wordCounter(),
    pool: testPool(server.url, { concurrency: 4, maxRetries: 0 }),
    now: () => new Date("2026-01-02T03:04:05.000Z"),
    ...extra,
  };
}

async function configFor(name: string): Promise<GrowConfig> {
  const file = join(root, `${name}.yaml`);
  await writeFile(file, growYaml({ out: join(root, name), corpus, existing, url: server.url, extra: "" }));
  return loadGrowConfig(file);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ks-grow-fail-"));
  server = await startOpenAIServer({ answer: parityAnswer });
  corpus = await writeCorpus(join(root, "toy.jsonl"));
  const questions = await shuffledQuestions(corpus);
  existing = join(root, "existing");
  await writeExisting(existing, questions, range(0, 10), 64);
  await writeExisting(existing, questions, range(10, 20), 128);
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe("runGrow failures are recorded, never left in progress", () => {
  it("a stage that cannot write marks the cell failed with the stage and the error; the rerun finishes it", async () => {
    const config = await configFor("write-fails");
    const merged = join(
      config.out,
      "merged",
      "toy",
      "train-num_sample_20-max_seq_64-LoongRL-14b-swift-filtered.jsonl",
    );
    await mkdir(merged, { recursive: true }); // a folder where the merged set goes: EISDIR at the rename
    const error = await runGrow(config, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    const m = await readManifest(join(config.out, "manifest.json"));
    const cell = m?.cells[0];
    expect(cell?.status).toBe("failed");
    expect(cell?.error).toBe(`merge: ${(error as Error).message}`);
    expect(cell?.error).toMatch(/^merge: Cannot write ".*": illegal operation on a directory \(EISDIR\)$/);
    expect(m?.cells[1]?.status).toBe("pending");
    expect(renderStatus(m as NonNullable<typeof m>)).toContain("toy 64: failed: merge: Cannot write");
    expect(existsSync(growLockPath(config.out))).toBe(false);

    await rm(merged, { recursive: true });
    const result = await runGrow(config, deps());
    expect(result.failed).toEqual([]);
    expect(result.manifest.cells.map((c) => [c.status, c.error])).toEqual([
      ["complete", null],
      ["complete", null],
    ]);
  });

  it('an interrupted cell stays in progress with the reason ("stopped"), and the lock is released', async () => {
    const config = await configFor("interrupted");
    const controller = new AbortController();
    let done = 0;
    const stop = (e: GrowEvent) => {
      if (e.type === "rollout-progress" && ++done === 3) controller.abort(new Error("stop"));
    };
    await expect(runGrow(config, deps({ onEvent: stop, signal: controller.signal }))).rejects.toThrow(
      /Rollout interrupted/,
    );
    const m = await readManifest(join(config.out, "manifest.json"));
    expect(m?.cells[0]?.status).toBe("in_progress");
    expect(m?.cells[0]?.error).toMatch(/^round 1: rollout: Rollout interrupted: /);
    expect(renderStatus(m as NonNullable<typeof m>)).toContain("toy 64: stopped: round 1: rollout:");
    expect(existsSync(growLockPath(config.out))).toBe(false);
  });

  it("a second grow on the same out folder is refused while the first runs, naming {out}/grow.lock", async () => {
    const config = await configFor("twice");
    let second: Promise<unknown> | undefined;
    const first = runGrow(
      config,
      deps({
        onEvent: (e) => {
          if (e.type === "rollout-progress") second ??= runGrow(config, deps()).catch((x: unknown) => x);
        },
      }),
    );
    await first;
    const error = await second;
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).lockPath).toBe(join(config.out, "grow.lock"));
    expect((error as Error).message).toMatch(
      new RegExp(`^Cannot lock the grow output folder "${config.out}": another run \\(pid ${process.pid} `),
    );
    expect(existsSync(growLockPath(config.out))).toBe(false);
  });
});
