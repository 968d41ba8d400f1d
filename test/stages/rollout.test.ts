import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createChatPool } from "../../src/llm/index.js";
import { type RolloutOptions, rolloutOutputPath, runRollout } from "../../src/stages/rollout.js";
import { type ChatBody, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";
import { readJsonl, testPool, writeJsonl as writeJsonlFile } from "../support/stage-helpers.js";

const GOLD = /\[gold:\s*([^\]]*)\]/;

/** Thinking-format answers: correct unless (record number + choice) % 3 === 0. */
function thinkingAnswer(body: ChatBody, choice: number): string {
  const user = body.messages.find((m) => m.role === "user")?.content ?? "";
  const gold = GOLD.exec(user)?.[1]?.trim() ?? "none";
  const k = Number(gold.replace(/\D/g, "")) || 0;
  const answer = (k + choice) % 3 === 0 ? `wrong ${gold}` : gold;
  return `<think>passage says ${gold}</think> The answer: \\boxed{${answer}}`;
}

function plainRecord(i: number): Record<string, unknown> {
  return {
    id: `q${i}`,
    input: `Who is number ${i}?`,
    context: `Passage 1: filler.\nPassage 2: it is [gold: Person ${i}].`,
    answers: [`Person ${i}`],
    dataset: "toy",
  };
}

let dir: string;
let server: OpenAIServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ks-rollout-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function writeInput(records: Record<string, unknown>[], name = "train.jsonl"): Promise<string> {
  await mkdir(join(dir, "toy"), { recursive: true });
  const path = join(dir, "toy", name);
  return writeJsonlFile(path, records);
}

function pool(url: string, concurrency = 4, maxRetries = 3) {
  return testPool(url, { concurrency, maxRetries });
}

const lines = readJsonl;

describe("runRollout", () => {
  it("writes input records plus scored trajectories, in input order, at the documented path", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer, latencyMs: (r) => (r.index % 3) * 15 });
    const input = await writeInput(Array.from({ length: 9 }, (_, i) => plainRecord(i)));
    const out = join(dir, "out");
    const s = await runRollout({ input, model: "org/Qwen-7B", n: 3, out }, { pool: pool(server.url) });
    expect(s.outputPath).toBe(join(out, "toy", "train-org_Qwen-7B.jsonl"));
    const got = await lines(s.outputPath);
    expect(got.map((r) => r.id)).toEqual(Array.from({ length: 9 }, (_, i) => `q${i}`));
    const first = got[1] as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([
      "id",
      "input",
      "context",
      "answers",
      "dataset",
      "model",
      "trajectories",
      "num_correct",
      "pass_rate",
    ]);
    // record 1: choice 2 is wrong ((1 + 2) % 3 === 0)
    expect(first.trajectories).toEqual([
      {
        text: "<think>passage says Person 1</think> The answer: \\boxed{Person 1}",
        extracted_answer: "Person 1",
        sub_em: 1,
        em: 1,
        f1: 1,
        is_correct: 1,
      },
      expect.objectContaining({ sub_em: 1, em: 1 }),
      expect.objectContaining({
        extracted_answer: "wrong Person 1",
        sub_em: 1,
        em: 0,
        f1: 0.8,
        is_correct: 1,
      }),
    ]);
    expect(first.num_correct).toBe(3);
    expect(first.pass_rate).toBe(1);
    expect(s.requests).toBe(9);
    expect(server.requests).toHaveLength(9);
    expect(server.requests[0]?.body).toMatchObject({
      model: "org/Qwen-7B",
      n: 3,
      temperature: 0.6,
      max_tokens: 4096,
    });
    expect(s.promptTokens).toBeGreaterThan(0);
    expect(s.anyCorrect).toBe(9);
    expect(existsSync(`${s.outputPath}.partial.jsonl`)).toBe(false);
  });

  it("answer-is prompt scores with the answer-is extractor; aliases count; start/end select records", async () => {
    server = await startOpenAIServer({
      answer: (body) => {
        const gold = GOLD.exec(body.messages.at(-1)?.content ?? "")?.[1] ?? "";
        return `Thinking. The answer is ${gold === "Person 2" ? "P. Two" : "nobody"}.`;
      },
    });
    const recs = Array.from({ length: 5 }, (_, i) => plainRecord(i));
    (recs[2] as Record<string, unknown>).answer_aliases = ["P. Two"];
    const input = await writeInput(recs);
    const s = await runRollout(
      { input, model: "m", n: 2, prompt: "answer-is", startIndex: 1, endIndex: 4, out: join(dir, "o") },
      { pool: pool(server.url) },
    );
    const got = await lines(s.outputPath);
    expect(got.map((r) => [r.id, r.num_correct, r.pass_rate])).toEqual([
      ["q1", 0, 0],
      ["q2", 2, 1],
      ["q3", 0, 0],
    ]);
    const user = server.requests[0]?.body?.messages[0]?.content ?? "";
    expect(user).toContain("output the final answer in the format of 'The answer is <your answer here>'");
  });

  it("uses the KeyChain prompt for KeyChain records under auto, and the system prompt when asked", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer });
    const rec = {
      ...plainRecord(4),
      distractor_context: "Passage: key-a: key-b. key-b: Who? [gold: Person 4]",
      chain_head_with_question: "key-a",
      prompt_variant: "find-first",
    };
    const input = await writeInput([rec]);
    await runRollout(
      { input, model: "m", n: 1, systemPrompt: "qwen_orz_boxed", out: join(dir, "o") },
      { pool: pool(server.url) },
    );
    const messages = server.requests[0]?.body?.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(messages[1]?.content).toMatch(/^Please read the following text\.\nPassage: key-a/);
    expect(messages[1]?.content).toMatch(/starting from key-a\.\nFind the correct question first/);
  });

  it("scores content: null as an empty trajectory and counts it", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer });
    server.inject({ kind: "null-content" });
    const input = await writeInput([plainRecord(1)]);
    const s = await runRollout({ input, model: "m", n: 2, out: join(dir, "o") }, { pool: pool(server.url) });
    const [r] = await lines(s.outputPath);
    expect(r?.trajectories).toEqual([
      { text: "", extracted_answer: null, sub_em: 0, em: 0, f1: 0, is_correct: 0 },
      { text: "", extracted_answer: null, sub_em: 0, em: 0, f1: 0, is_correct: 0 },
    ]);
    expect(s.emptyTrajectories).toBe(2);
  });

  it("completes through 429 / 500 / reset / malformed faults with output identical to a clean run", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer });
    const input = await writeInput(Array.from({ length: 12 }, (_, i) => plainRecord(i)));
    const clean = await runRollout(
      { input, model: "m", n: 2, out: join(dir, "a") },
      { pool: pool(server.url) },
    );
    server.inject(
      { kind: "status", status: 429, retryAfter: "0" },
      { kind: "status", status: 500 },
      { kind: "reset" },
      { kind: "malformed" },
      { kind: "status", status: 503 },
    );
    const before = server.requests.length;
    const faulty = await runRollout(
      { input, model: "m", n: 2, out: join(dir, "b") },
      { pool: pool(server.url) },
    );
    expect(await readFile(faulty.outputPath, "utf8")).toBe(await readFile(clean.outputPath, "utf8"));
    expect(server.requests.length - before).toBe(12 + 5);
  });

  it("resumes after an abort: no finished request re-sent, output identical to an uninterrupted run", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer, latencyMs: () => 5 });
    const input = await writeInput(Array.from({ length: 10 }, (_, i) => plainRecord(i)));
    const options: RolloutOptions = { input, model: "m", n: 2, out: join(dir, "r") };
    const reference = await runRollout({ ...options, out: join(dir, "ref") }, { pool: pool(server.url) });
    const sentBefore = server.requests.length;

    const controller = new AbortController();
    const interrupted = runRollout(options, {
      pool: pool(server.url, 1),
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 4) controller.abort(new Error("stop"));
      },
    });
    await expect(interrupted).rejects.toThrow(
      /interrupted: 4 of 10 records are kept .*rerun the same command/,
    );
    const journal = `${rolloutOutputPath(options as Required<RolloutOptions>)}.partial.jsonl`;
    expect((await lines(journal)).slice(1).map((e) => e.i)).toEqual([0, 1, 2, 3]);

    const resumed = await runRollout(options, { pool: pool(server.url) });
    expect(resumed.resumed).toBe(4);
    expect(resumed.requests).toBe(6);
    expect(server.requests.length - sentBefore).toBe(10);
    expect(await readFile(resumed.outputPath, "utf8")).toBe(await readFile(reference.outputPath, "utf8"));
    expect(existsSync(journal)).toBe(false);
  });

  it("ignores a torn last journal line and refuses a journal written with other options", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer });
    const input = await writeInput(Array.from({ length: 4 }, (_, i) => plainRecord(i)));
    const options: RolloutOptions = { input, model: "m", n: 2, out: join(dir, "t") };
    const reference = await runRollout({ ...options, out: join(dir, "ref") }, { pool: pool(server.url) });
    const controller = new AbortController();
    await expect(
      runRollout(options, {
        pool: pool(server.url, 1),
        signal: controller.signal,
        onProgress: (d) => d === 2 && controller.abort(),
      }),
    ).rejects.toThrow(/interrupted/);
    const journal = `${rolloutOutputPath(options as Required<RolloutOptions>)}.partial.jsonl`;
    await writeFile(journal, `${await readFile(journal, "utf8")}{"i":2,"r":{"mod`);

    await expect(runRollout({ ...options, temperature: 1 }, { pool: pool(server.url) })).rejects.toThrow(
      /Cannot resume from the journal .*temperature: journal 0\.6, now 1/,
    );
    const sent = server.requests.length;
    const s = await runRollout(options, { pool: pool(server.url) });
    expect(s.resumed).toBe(2);
    expect(server.requests.length - sent).toBe(2);
    expect(await readFile(s.outputPath, "utf8")).toBe(await readFile(reference.outputPath, "utf8"));
  });

  it("stops with a clear error on 401, wrong model and unreachable server, keeping the journal", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer, apiKey: "secret", models: ["m"] });
    const input = await writeInput([plainRecord(0), plainRecord(1)]);
    const opts: RolloutOptions = { input, model: "m", n: 1, out: join(dir, "e") };
    await expect(runRollout(opts, { pool: pool(server.url) })).rejects.toThrow(/401 Unauthorized.*API key/);
    const good = createChatPool({
      baseUrls: [server.url],
      apiKey: "secret",
      concurrency: 1,
      timeoutMs: 2000,
      maxRetries: 0,
    });
    await expect(runRollout({ ...opts, model: "nope" }, { pool: good })).rejects.toThrow(
      /Model "nope" was not found/,
    );
    await expect(runRollout(opts, { pool: pool("http://127.0.0.1:9/v1", 1, 0) })).rejects.toThrow(
      /failed.*0 of 2 records are kept/,
    );
    server.inject({ kind: "status", status: 400, message: "context too long" });
    await expect(runRollout(opts, { pool: good })).rejects.toThrow(/status 400.*records are kept/);
    const s = await runRollout(opts, { pool: good });
    expect((await lines(s.outputPath)).map((r) => r.id)).toEqual(["q0", "q1"]);
  });

  it("rejects input of the wrong kind with the file and line", async () => {
    server = await startOpenAIServer();
    const input = await writeInput([plainRecord(0), { id: "x", foo: 1 }]);
    await expect(runRollout({ input, model: "m", out: dir }, { pool: pool(server.url) })).rejects.toThrow(
      /Cannot read ".*train\.jsonl" line 2 \(id "x"\), field "input": expected a string/,
    );
    const plain = await writeInput([plainRecord(0)], "p.jsonl");
    await expect(
      runRollout({ input: plain, model: "m", prompt: "keychain", out: dir }, { pool: pool(server.url) }),
    ).rejects.toThrow(/--prompt keychain needs KeyChain records/);
  });
});

describe("runRollout sends the stored prompt", () => {
  it("sends each record's stored messages byte for byte (system message included), writing no rollout_prompt", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer });
    const prompt = [
      { role: "system", content: "Be brief. \\boxed{}" },
      { role: "user", content: "stored user text é [gold: Person 1]" },
    ];
    const input = await writeInput([{ ...plainRecord(1), kind: "plain", prompt }]);
    const s = await runRollout({ input, model: "m", n: 1, out: dir }, { pool: pool(server.url) });
    expect(server.requests[0]?.body?.messages).toEqual(prompt);
    const [row] = await lines(s.outputPath);
    expect(row).not.toHaveProperty("rollout_prompt");
    expect((row as { prompt: unknown }).prompt).toEqual(prompt);
  });

  it("answer-is sends another prompt and keeps it as rollout_prompt; it refuses KeyChain records", async () => {
    server = await startOpenAIServer({ answer: () => "The answer is Person 2." });
    const input = await writeInput([plainRecord(2)]);
    const s = await runRollout(
      { input, model: "m", n: 1, prompt: "answer-is", out: dir },
      { pool: pool(server.url) },
    );
    const [row] = await lines(s.outputPath);
    const sent = server.requests[0]?.body?.messages;
    expect(sent?.[0]?.content).toMatch(
      /^The following are given passages\.\n.*\n\nAnswer the question based on the given passages\./s,
    );
    expect((row as { rollout_prompt: unknown }).rollout_prompt).toEqual(sent);
    expect((row as { trajectories: { is_correct: number }[] }).trajectories[0]?.is_correct).toBe(1);
    const kc = await writeInput(
      [{ ...plainRecord(3), distractor_context: "c", chain_head_with_question: "h" }],
      "kc.jsonl",
    );
    await expect(
      runRollout({ input: kc, model: "m", prompt: "answer-is", out: dir }, { pool: pool(server.url) }),
    ).rejects.toThrow(/--prompt answer-is states the question, which KeyChain records hide/);
  });

  it("asks again for the choices a server leaves out, never inventing them, and keeps the reasoning", async () => {
    server = await startOpenAIServer({
      answer: (_b, choice) => `\\boxed{Person ${choice === 0 ? 4 : 0}}`,
      choiceCount: () => 1,
      messageFields: () => ({ reasoning_content: "<think>\nthinking" }),
    });
    const input = await writeInput([plainRecord(4)]);
    const s = await runRollout({ input, model: "m", n: 3, out: dir }, { pool: pool(server.url) });
    expect(server.requests.map((r) => r.body?.n)).toEqual([3, 2, 1]);
    expect(s).toMatchObject({ requests: 3, extraRequests: 2, emptyTrajectories: 0 });
    const [row] = (await lines(s.outputPath)) as { trajectories: Record<string, unknown>[] }[];
    expect(row?.trajectories).toHaveLength(3);
    for (const t of row?.trajectories ?? []) {
      expect(t.text).toMatch(/^\\boxed\{Person/);
      expect(t.reasoning_content).toBe("<think>\nthinking");
    }
    // Every choice says Person 4 (choice 0 of each request): all three correct.
    expect(row?.trajectories.map((t) => t.is_correct)).toEqual([1, 1, 1]);
  });
});

const dist = process.env.KS_DIST ?? join(import.meta.dirname, "../../dist");
const haveDist = existsSync(join(dist, "cli/rollout.js"));
if (!haveDist)
  console.warn(`rollout SIGKILL test skipped: ${dist}/cli/rollout.js missing (run npm run build)`);

describe.skipIf(!haveDist)("rollout CLI crash safety", () => {
  const child = join(import.meta.dirname, "rollout-child.mjs");
  const run = (args: string[]): ChildProcess =>
    spawn(process.execPath, [child, "rollout", ...args], {
      env: { ...process.env, KS_DIST: dist },
      stdio: ["ignore", "pipe", "pipe"],
    });
  const exit = (p: ChildProcess) =>
    new Promise<number | null>((resolve) => p.on("exit", (code) => resolve(code)));

  it("SIGKILL mid-run then restart: identical output, no duplicates or gaps, finished requests not re-sent", async () => {
    server = await startOpenAIServer({ answer: thinkingAnswer, latencyMs: () => 25 });
    const N = 40;
    const input = await writeInput(Array.from({ length: N }, (_, i) => plainRecord(i)));
    const base = [
      "--input",
      input,
      "--model",
      "m",
      "--base-url",
      server.url,
      "--n",
      "2",
      "--concurrency",
      "4",
      "-q",
    ];
    const reference = await runRollout(
      { input, model: "m", n: 2, out: join(dir, "ref") },
      { pool: pool(server.url) },
    );
    const sentBefore = server.requests.length;
    const args = [...base, "--out", join(dir, "crash")];

    const first = run(args);
    const firstExit = exit(first);
    while (server.requests.length - sentBefore < 16) await new Promise((r) => setTimeout(r, 5));
    first.kill("SIGKILL");
    await firstExit;
    const outPath = join(dir, "crash", "toy", "train-m.jsonl");
    const journal = (await lines(`${outPath}.partial.jsonl`)).slice(1);
    const finished = new Set(journal.map((e) => e.i as number));
    expect(finished.size).toBe(journal.length);
    const sentFirst = server.requests.length - sentBefore;

    const second = run(args);
    let stdout = "";
    second.stdout?.on("data", (d) => {
      stdout += String(d);
    });
    expect(await exit(second)).toBe(0);
    const resent = server.requests.slice(sentBefore + sentFirst).map((r) => {
      const user = r.body?.messages[0]?.content ?? "";
      return Number(GOLD.exec(user)?.[1]?.replace(/\D/g, ""));
    });
    expect(resent.filter((i) => finished.has(i))).toEqual([]);
    expect(new Set(resent).size).toBe(resent.length);
    expect(resent.length).toBe(N - finished.size);
    const got = await readFile(outPath, "utf8");
    expect(got).toBe(await readFile(reference.outputPath, "utf8"));
    expect(got.split("\n").filter(Boolean)).toHaveLength(N);
    expect(stdout).toContain(`${finished.size} resumed from the journal`);
    console.info(
      `crash-resume: needed ${N}, sent ${sentFirst} before SIGKILL (${finished.size} journaled), ` +
        `${resent.length} after restart, total ${sentFirst + resent.length} (${sentFirst - finished.size} in flight at the kill)`,
    );
  });

  it("exits non-zero with a clear message on an unreachable server", async () => {
    const input = await writeInput([plainRecord(0)]);
    const p = run([
      "--input",
      input,
      "--model",
      "m",
      "--base-url",
      "http://127.0.0.1:9/v1",
      "--retries",
      "0",
      "-q",
      "--out",
      dir,
    ]);
    let stderr = "";
    p.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    expect(await exit(p)).not.toBe(0);
    expect(stderr).toMatch(
      /keychain-synth: Chat request to http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions failed/,
    );
  });
});
