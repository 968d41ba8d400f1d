import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError, LockedError, RemoteError, WriteError } from "../../src/errors.js";
import { heldLocks } from "../../src/io/lock.js";
import { runReason } from "../../src/stages/reason.js";
import { rolloutOutputPath, runRollout } from "../../src/stages/rollout.js";
import { type ChatBody, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { testPool, writeJsonl } from "../support/stage-helpers.js";

const answer = (body: ChatBody) => {
  const gold = /\[gold:\s*([^\]]*)\]/.exec(body.messages.at(-1)?.content ?? "")?.[1] ?? "";
  return `<think>ok</think> \\boxed{${gold}}`;
};

const record = (i: number) => ({
  id: `q${i}`,
  input: `Who is number ${i}?`,
  context: `Passage 1: filler.\nPassage 2: it is [gold: Person ${i}].`,
  answers: [`Person ${i}`],
});

let dir: string;
let server: OpenAIServer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-outlock-"));
  server = await startOpenAIServer({ answer, latencyMs: () => 20 });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function input(n: number): Promise<string> {
  await mkdir(join(dir, "toy"), { recursive: true });
  return writeJsonl(
    join(dir, "toy", "train.jsonl"),
    Array.from({ length: n }, (_, i) => record(i)),
  );
}

describe("rollout holds its output's lock", () => {
  it("a second run on the same output is refused while the first runs; the first finishes and releases it", async () => {
    const options = { input: await input(8), model: "m", n: 1, out: join(dir, "out") };
    const pool = testPool(server.url, { concurrency: 1, maxRetries: 0 });
    const first = runRollout(options, { pool });
    const lockPath = `${rolloutOutputPath(options)}.lock`;
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const error = await runRollout(options, { pool }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).lockPath).toBe(lockPath);
    expect((error as Error).message).toContain(`pid ${process.pid} on host ${hostname()}`);
    const s = await first;
    expect(server.requests).toHaveLength(8);
    expect(s.records).toBe(8);
    expect(existsSync(lockPath)).toBe(false);
    expect(heldLocks()).toEqual([]);
  });

  it("releases the lock when the run fails", async () => {
    const options = { input: await input(2), model: "m", n: 1, out: join(dir, "out") };
    const pool = testPool("http://127.0.0.1:9/v1", { concurrency: 1, maxRetries: 0 });
    await expect(runRollout(options, { pool })).rejects.toBeInstanceOf(RemoteError);
    expect(existsSync(`${rolloutOutputPath(options)}.lock`)).toBe(false);
    expect(heldLocks()).toEqual([]);
  });

  it("releases the lock when interrupted, keeping the journal", async () => {
    const options = { input: await input(8), model: "m", n: 1, out: join(dir, "out") };
    const controller = new AbortController();
    const run = runRollout(options, {
      pool: testPool(server.url, { concurrency: 1, maxRetries: 0 }),
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 3) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/Rollout interrupted: 3 of 8 records are kept/);
    expect(await readdir(join(dir, "out", "toy"))).toEqual(["train-m.jsonl.partial.jsonl"]);
  });

  it("an output folder that cannot be made is a WriteError naming it, not a crash", async () => {
    const options = { input: await input(1), model: "m", n: 1, out: join(dir, "toy", "train.jsonl") };
    const error = await runRollout(options, {
      pool: testPool(server.url, { concurrency: 1, maxRetries: 0 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("ENOTDIR");
    expect(server.requests).toHaveLength(0);
  });

  it("a journal that cannot be read (a folder in its place) is an InputError naming the journal", async () => {
    const options = { input: await input(1), model: "m", n: 1, out: join(dir, "out") };
    const journal = `${rolloutOutputPath(options)}.partial.jsonl`;
    await mkdir(join(journal, "x"), { recursive: true });
    const error = await runRollout(options, {
      pool: testPool(server.url, { concurrency: 1, maxRetries: 0 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `Cannot read "${journal}": cannot read the journal: illegal operation on a directory (EISDIR)`,
    );
    expect(heldLocks()).toEqual([]);
  });
});

describe("reason holds its output's lock", () => {
  it("a second run on the same output is refused while the first runs", async () => {
    const path = join(dir, "in.jsonl");
    await writeJsonl(
      path,
      Array.from({ length: 6 }, (_, i) => ({ input: `Q${i}`, context: "c", answers: ["a"] })),
    );
    const options = { input: path, output: join(dir, "reason", "out.jsonl"), model: "m" };
    const pool = testPool(server.url, { concurrency: 1, maxRetries: 0 });
    const first = runReason(options, { pool });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await expect(runReason(options, { pool })).rejects.toThrow(
      `holds "${join(dir, "reason", "out.jsonl.lock")}"`,
    );
    const s = await first;
    expect(s.rows).toBe(6);
    expect(existsSync(join(dir, "reason", "out.jsonl.lock"))).toBe(false);
  });
});
