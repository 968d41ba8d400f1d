import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { registerApiTest } from "../../src/cli/api-test.js";
import { RemoteError } from "../../src/errors.js";
import type { ChatRequest, ChatResult } from "../../src/llm/index.js";
import {
  type ApiTestDeps,
  apiTestFailure,
  apiTestMessages,
  resolveApiTestOptions,
  runApiTest,
} from "../../src/stages/api-test.js";
import { SYNTHETIC_QA, syntheticApiTestSamples } from "../../src/stages/api-test-samples.js";
import { type Answerer, type OpenAIServer, startOpenAIServer } from "../support/openai-server.js";

/** Answers each synthetic question with its gold (or wrongly), whatever the prompt template. */
function syntheticAnswerer(wrong = false): Answerer {
  return (body) => {
    const user = body.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
    const item = SYNTHETIC_QA.find((q) => user.includes(`Question: ${q.question}`));
    if (!item) return "I do not know.";
    return `Let me think. The answer is ${wrong ? `not ${item.gold}-ish` : item.gold}.`;
  };
}

async function run(args: string[]): Promise<{ out: string; error: unknown }> {
  let out = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const program = new Command().exitOverride();
  registerApiTest(program, sink);
  try {
    await program.parseAsync(["node", "keychain-synth", "api-test", ...args]);
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  }
}

let server: OpenAIServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("api-test", () => {
  it("prints a ✓ line per sample and the summary when the server answers correctly", async () => {
    server = await startOpenAIServer({ answer: syntheticAnswerer() });
    const { out, error } = await run(["--base-url", server.url, "--model", "m", "--max-retries", "0"]);
    expect(error).toBeUndefined();
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe("[0] ✓ q: What is the capital of France? gold=Paris → Paris");
    expect(lines.slice(0, 10).every((l) => l.includes(" ✓ "))).toBe(true);
    expect(lines[10]).toMatch(
      /^m: correct 10\/10; latency p50 \d+ ms, p95 \d+ ms; tokens \d+ prompt \+ \d+ completion; /,
    );
    expect(server.requests).toHaveLength(10);
    expect(server.requests[0]?.body?.messages[0]?.content).toContain("output the final answer in the format");
  });

  it("exits 0 with ✗ lines when the answers are wrong, and sends n completions per sample", async () => {
    server = await startOpenAIServer({ answer: syntheticAnswerer(true) });
    const { out, error } = await run([
      "--base-url",
      server.url,
      "--model",
      "m",
      "--n-samples",
      "3",
      "--n",
      "2",
      "--prompt",
      "plain",
    ]);
    expect(error).toBeUndefined();
    const lines = out.trim().split("\n");
    expect(lines[0]).toBe(
      "[0] ✗ q: What is the capital of France? gold=Paris → not Paris-ish | not Paris-ish (0/2)",
    );
    expect(lines[3]).toMatch(/^m: correct 0\/3; completions correct 0\/6; /);
    expect(server.requests.map((r) => r.body?.n)).toEqual([2, 2, 2]);
    expect(server.requests[0]?.body?.messages[0]?.role).toBe("system");
  });

  it("reads plain and KeyChain JSONL input", async () => {
    server = await startOpenAIServer();
    dir = await mkdtemp(join(tmpdir(), "api-test-"));
    const file = join(dir, "in.jsonl");
    const plain = {
      id: "p",
      input: "Who? [gold: Ada]",
      context: "Passage 1:\nAda.",
      answers: ["Ada"],
      answer_aliases: [],
    };
    const keychain = {
      id: "k",
      input: "Where? [gold: Rome]",
      context: "c",
      answers: ["Rome"],
      distractor_context: 'Passage 1:\nRome. {"k1": "Where? [gold: Rome]"}.',
      chain_head_with_question: "k1",
    };
    await writeFile(file, `${JSON.stringify(plain)}\n${JSON.stringify(keychain)}\n`);
    const { out, error } = await run(["--base-url", server.url, "--model", "m", "--input", file]);
    expect(error).toBeUndefined();
    expect(out).toContain("[0] ✓ q: Who? [gold: Ada] gold=Ada → Ada");
    expect(out).toContain("[1] ✓ q: Where? [gold: Rome] gold=Rome → Rome");
    expect(out).toContain("correct 2/2");
    // Records from before prompts were stored: their prompt rendered from the fields, no system message.
    expect(server.requests[1]?.body?.messages).toHaveLength(1);
    expect(server.requests[1]?.body?.messages[0]?.content).toContain("starting from k1.");
  });

  it("names the field of an input file of the wrong kind", async () => {
    dir = await mkdtemp(join(tmpdir(), "api-test-"));
    const file = join(dir, "wrong.jsonl");
    await writeFile(file, `${JSON.stringify({ text: "x", gold: ["y"] })}\n`);
    const { error } = await run(["--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--input", file]);
    expect(String(error)).toMatch(
      /wrong\.jsonl" line 1, field "id": expected a string, but the field is missing/,
    );
  });

  it("fails with a clear message on 401", async () => {
    server = await startOpenAIServer({ apiKey: "secret", answer: syntheticAnswerer() });
    const { out, error } = await run(["--base-url", server.url, "--model", "m", "--api-key", "nope"]);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toMatch(
      /^10 of 10 requests failed; the first: .*401 Unauthorized.*API key/,
    );
    expect(out).toContain("[0] ✗ q: What is the capital of France? gold=Paris → request failed:");
    expect(server.requests).toHaveLength(10);
  });

  it("fails with a clear message on a wrong model name", async () => {
    server = await startOpenAIServer({ models: ["served"], answer: syntheticAnswerer() });
    const { error } = await run(["--base-url", server.url, "--model", "other", "--n-samples", "2"]);
    expect((error as Error).message).toMatch(/Model "other" was not found/);
  });

  it("fails with a clear message when the server is unreachable", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address() as { port: number };
        probe.close(() => resolve(address.port));
      });
    });
    const url = `http://127.0.0.1:${port}/v1`;
    const { error } = await run([
      "--base-url",
      url,
      "--model",
      "m",
      "--n-samples",
      "2",
      "--max-retries",
      "0",
    ]);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain(`2 of 2 requests failed; the first: Chat request to ${url}`);
  });

  it("rejects an unknown --prompt", async () => {
    const { error } = await run(["--base-url", "http://x/v1", "--model", "m", "--prompt", "cot"]);
    expect(String(error)).toContain("--prompt must be answer-is or plain");
  });

  it("--json prints the result object (summary and every sample) instead of the lines; -m is --model", async () => {
    server = await startOpenAIServer({ answer: syntheticAnswerer() });
    const { out, error } = await run([
      "--base-url",
      server.url,
      "-m",
      "m",
      "--n-samples",
      "3",
      "--json",
      "-q",
    ]);
    expect(error).toBeUndefined();
    const json = JSON.parse(out) as {
      model: string;
      summary: { samples: number; correct: number; failed: number };
      lines: { index: number; sample: { golds: string[] }; trajectories: { is_correct: number }[] }[];
    };
    expect(json.model).toBe("m");
    expect(json.summary).toMatchObject({ samples: 3, correct: 3, failed: 0 });
    expect(json.lines.map((l) => [l.index, l.sample.golds[0], l.trajectories[0]?.is_correct])).toEqual([
      [0, "Paris", 1],
      [1, expect.any(String), 1],
      [2, expect.any(String), 1],
    ]);
    expect(server.requests.every((r) => r.body?.model === "m")).toBe(true);
  });

  it("--json names a failed request's error by its message, and the run still fails", async () => {
    server = await startOpenAIServer({ fault: () => ({ kind: "status", status: 400, message: "bad" }) });
    const { out, error } = await run([
      "--base-url",
      server.url,
      "--model",
      "m",
      "--n-samples",
      "1",
      "--json",
    ]);
    expect(error).toBeInstanceOf(RemoteError);
    const json = JSON.parse(out) as { summary: { failed: number }; lines: { error?: string }[] };
    expect(json.summary.failed).toBe(1);
    expect(json.lines[0]?.error).toMatch(/400/);
  });

  it.each([[["--retries", "1"]], [["--max-retries", "1"]]])(
    "%j: a failing request is sent 1 + 1 times (--max-retries is the old spelling of --retries)",
    async (flag) => {
      server = await startOpenAIServer({ fault: () => ({ kind: "status", status: 503, retryAfter: "0" }) });
      const { error } = await run(["--base-url", server.url, "--model", "m", "--n-samples", "2", ...flag]);
      expect(error).toBeInstanceOf(RemoteError);
      expect(server.requests).toHaveLength(4);
    },
  );

  it.each([[["--timeout-ms", "200"]], [["--timeout", "0.2"]]])(
    "%j: a reply slower than the limit fails the request (--timeout is the old spelling, in seconds)",
    async (flag) => {
      server = await startOpenAIServer({ answer: syntheticAnswerer(), latencyMs: () => 3000 });
      const started = performance.now();
      const { out, error } = await run([
        "--base-url",
        server.url,
        "--model",
        "m",
        "--n-samples",
        "1",
        "--retries",
        "0",
        ...flag,
      ]);
      expect(error).toBeInstanceOf(RemoteError);
      expect(out).toContain("request failed:");
      expect(performance.now() - started).toBeLessThan(2500);
    },
  );

  it.each([[["--timeout-ms", "5000"]], [["--timeout", "5"]]])(
    "%j: a reply within the limit succeeds (--timeout counts seconds, not ms)",
    async (flag) => {
      server = await startOpenAIServer({ answer: syntheticAnswerer(), latencyMs: () => 300 });
      const { out, error } = await run([
        "--base-url",
        server.url,
        "--model",
        "m",
        "--n-samples",
        "1",
        "--retries",
        "0",
        ...flag,
      ]);
      expect(error).toBeUndefined();
      expect(out).toContain("m: correct 1/1");
    },
  );

  it("-q changes nothing on stdout (api-test prints no progress)", async () => {
    server = await startOpenAIServer({ answer: syntheticAnswerer() });
    const quiet = await run(["--base-url", server.url, "--model", "m", "--n-samples", "2", "-q"]);
    const loud = await run(["--base-url", server.url, "--model", "m", "--n-samples", "2"]);
    const strip = (s: string) => s.replace(/latency .*$/m, "");
    expect(strip(quiet.out)).toBe(strip(loud.out));
  });
});

describe("runApiTest (the library stage, src/stages/api-test.ts)", () => {
  /** A pool answering each question with its gold, except `failing` questions (a RemoteError). */
  function fakePool(failing: ReadonlySet<number> = new Set()): ApiTestDeps["pool"] {
    let calls = 0;
    return {
      options: {} as ApiTestDeps["pool"]["options"],
      async chat(request: ChatRequest): Promise<ChatResult> {
        const call = calls++;
        if (failing.has(call)) throw new RemoteError("boom", "http://replica/v1", 503);
        const user = request.messages.at(-1)?.content ?? "";
        const item = SYNTHETIC_QA.find((q) => user.includes(q.question));
        const text = `The answer is ${item?.gold ?? "?"}.`;
        return {
          choices: Array.from({ length: request.n ?? 1 }, () => text),
          reasoning: [],
          usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 },
        };
      },
    };
  }

  /** A clock that moves 5 ms each time it is read. */
  function steppingClock(): () => number {
    let t = 0;
    return () => (t += 5);
  }

  it("scores every sample in input order and summarises with the injected clock", async () => {
    const result = await runApiTest(
      { model: "m", nSamples: 3, n: 2 },
      { pool: fakePool(), now: steppingClock() },
    );
    expect(result.lines.map((l) => [l.index, l.trajectories.map((t) => t.is_correct)])).toEqual([
      [0, [1, 1]],
      [1, [1, 1]],
      [2, [1, 1]],
    ]);
    expect(result.summary).toMatchObject({
      samples: 3,
      correct: 3,
      completions: 6,
      correctCompletions: 6,
      failed: 0,
      tokens: { prompt: 30, completion: 6 },
    });
    expect(result.summary.wallMs).toBeGreaterThan(0);
    expect(apiTestFailure(result, "http://fallback/v1")).toBeUndefined();
  });

  it("keeps a request that failed for good as its line's error, and apiTestFailure names the first", async () => {
    const result = await runApiTest({ model: "m", nSamples: 3 }, { pool: fakePool(new Set([1])) });
    expect(result.lines.map((l) => l.error?.message)).toEqual([undefined, "boom", undefined]);
    expect(result.summary.failed).toBe(1);
    const failure = apiTestFailure(result, "http://fallback/v1");
    expect(failure).toBeInstanceOf(RemoteError);
    expect(failure?.message).toBe("1 of 3 requests failed; the first: boom");
    expect([failure?.url, failure?.status]).toEqual(["http://replica/v1", 503]);
  });

  it("sends the answer-is prompt by default and the RL prompt with its system text for plain", async () => {
    const [sample] = syntheticApiTestSamples(1);
    if (!sample) throw new Error("no sample");
    expect(apiTestMessages(sample, "answer-is").map((m) => m.role)).toEqual(["user"]);
    expect(apiTestMessages(sample, "plain").map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("checks its options and fills in the defaults", () => {
    expect(resolveApiTestOptions({ model: "m" })).toEqual({
      model: "m",
      input: undefined,
      nSamples: 10,
      n: 1,
      prompt: "answer-is",
      maxTokens: 4096,
      temperature: 0.6,
    });
    expect(() => resolveApiTestOptions({ model: "m", prompt: "cot" as "plain", n: 0 })).toThrow(
      'Invalid api-test options: prompt must be answer-is or plain, got "cot"; n must be a positive integer, got 0.',
    );
  });
});
