import { afterEach, describe, expect, it } from "vitest";
import { collect, pooledMap } from "../../src/async/pool.js";
import { RemoteError } from "../../src/errors.js";
import { type ChatPoolOptions, type ChatRequest, createChatPool } from "../../src/llm/client.js";
import { Rng } from "../../src/rng.js";
import {
  type Fault,
  type OpenAIServer,
  type OpenAIServerOptions,
  startOpenAIServer,
} from "../support/openai-server.js";

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const server = await startOpenAIServer(options);
  servers.push(server);
  return server;
}

function pool(baseUrls: string[], options: Partial<ChatPoolOptions> = {}) {
  return createChatPool({
    baseUrls,
    concurrency: 4,
    timeoutMs: 2000,
    maxRetries: 3,
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
    random: () => 0.5,
    ...options,
  });
}

const ask = (gold: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: "m",
  messages: [{ role: "user", content: `Question? [gold: ${gold}]` }],
  ...extra,
});

describe("createChatPool against a real server", () => {
  it.each<[string, Fault]>([
    ["500", { kind: "status", status: 500 }],
    ["503", { kind: "status", status: 503 }],
    ["a timeout", { kind: "slow", delayMs: 1500 }],
    ["a malformed JSON body", { kind: "malformed" }],
    ["a connection reset mid-body", { kind: "reset" }],
  ])("retries after %s and then succeeds, with exactly one extra request", async (_, fault) => {
    const server = await serve();
    server.inject(fault);
    const chats = pool([server.url], { timeoutMs: 300 });
    const result = await chats.chat(ask("Paris"));
    expect(result.choices).toEqual(["The answer is Paris."]);
    expect(server.requests).toHaveLength(2);
    expect(chats.stats()).toMatchObject({ requests: 2, retries: 1, succeeded: 1, failed: 0 });
  });

  it("waits at least the Retry-After of a 429 before retrying", async () => {
    const server = await serve();
    server.inject({ kind: "status", status: 429, retryAfter: "1" });
    const started = Date.now();
    const result = await pool([server.url]).chat(ask("Oslo"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.choices).toEqual(["The answer is Oslo."]);
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry 401 and says to check the API key", async () => {
    const server = await serve({ apiKey: "right" });
    const error = await pool([server.url], { apiKey: "wrong" })
      .chat(ask("x"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(401);
    expect((error as Error).message).toContain("check the API key");
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry an unknown model and names it", async () => {
    const server = await serve({ models: ["qwen"] });
    const error = await pool([server.url])
      .chat(ask("x", { model: "qwen-typo" }))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Model "qwen-typo" was not found at http:\/\/127\.0\.0\.1:\d+/);
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after maxRetries with the status and the number of attempts", async () => {
    const server = await serve({ fault: () => ({ kind: "status", status: 502 }) });
    const chats = pool([server.url], { maxRetries: 2 });
    await expect(chats.chat(ask("x"))).rejects.toThrow(/failed \(after 3 attempts\) with status 502/);
    expect(server.requests).toHaveLength(3);
    expect(chats.stats()).toMatchObject({ requests: 3, retries: 2, failed: 1 });
  });

  it("does not wait for a Retry-After beyond the cap, and says so", async () => {
    const server = await serve();
    server.inject({ kind: "status", status: 429, retryAfter: "120" });
    await expect(pool([server.url]).chat(ask("x"))).rejects.toThrow(
      /asked to wait "120", longer than the 60000 ms/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("reports an unreachable server after retrying", async () => {
    const server = await serve();
    const url = server.url;
    await servers.pop()?.close();
    await expect(pool([url], { maxRetries: 1 }).chat(ask("x"))).rejects.toThrow(
      /^Chat request to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions failed \(after 2 attempts\)/,
    );
  });

  it("surfaces content: null as null, never as text", async () => {
    const server = await serve();
    server.inject({ kind: "null-content" });
    const result = await pool([server.url]).chat(ask("x", { n: 2 }));
    expect(result.choices).toEqual([null, null]);
  });

  it.each<[string, OpenAIServerOptions["messageFields"], (string | null)[]]>([
    ["no reasoning field", undefined, [null, null]],
    [
      "reasoning_content (vLLM, SGLang)",
      (_, c) => ({ reasoning_content: `think ${c}` }),
      ["think 0", "think 1"],
    ],
    ["reasoning (newer vLLM)", (_, c) => ({ reasoning: `think ${c}` }), ["think 0", "think 1"]],
    [
      "both, reasoning_content first",
      (_, c) => ({ reasoning_content: `rc ${c}`, reasoning: `r ${c}` }),
      ["rc 0", "rc 1"],
    ],
    ["reasoning_content: null", () => ({ reasoning_content: null }), [null, null]],
    ["reasoning on one choice only", (_, c) => (c === 1 ? { reasoning_content: "" } : {}), [null, ""]],
  ])("reads the reasoning of each choice beside its content: %s", async (_, messageFields, expected) => {
    const server = await serve({
      answer: (_b, choice) => `answer ${choice}`,
      ...(messageFields ? { messageFields } : {}),
    });
    const result = await pool([server.url]).chat(ask("x", { n: 2 }));
    expect(result.choices).toEqual(["answer 0", "answer 1"]);
    expect(result.reasoning).toEqual(expected);
  });

  it.each([
    ["reasoning_content", { reasoning_content: 42 }],
    ["reasoning", { reasoning: ["a"] }],
    ["content", { content: { text: "a" } }],
  ])("treats a non-string %s as a bad response", async (field, fields) => {
    const server = await serve({ messageFields: () => fields });
    await expect(pool([server.url], { maxRetries: 0 }).chat(ask("x"))).rejects.toThrow(
      `choice 0 has a non-string ${field}`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it("samples n choices and forwards the sampling parameters", async () => {
    const server = await serve({ answer: (_, choice) => `choice ${choice}` });
    const result = await pool([server.url]).chat(
      ask("x", { n: 3, temperature: 0.7, topP: 0.9, maxTokens: 64, stop: ["</answer>"] }),
    );
    expect(result.choices).toEqual(["choice 0", "choice 1", "choice 2"]);
    expect(result.usage).toMatchObject({ promptTokens: expect.any(Number), completionTokens: 6 });
    expect(server.requests[0]?.body).toMatchObject({
      model: "m",
      n: 3,
      temperature: 0.7,
      top_p: 0.9,
      max_tokens: 64,
      stop: ["</answer>"],
    });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer EMPTY");
  });

  it("spreads requests over replicas and avoids one that always fails", async () => {
    const good = await serve();
    const bad = await serve({ fault: () => ({ kind: "status", status: 503 }) });
    const chats = pool([bad.url, good.url], { replicaBackoff: { baseMs: 10_000 }, concurrency: 1 });
    const golds = Array.from({ length: 20 }, (_, i) => `g${i}`);
    const results = await collect(pooledMap(1, golds, (gold) => chats.chat(ask(gold))));
    expect(results.map((r) => r.choices[0])).toEqual(golds.map((g) => `The answer is ${g}.`));
    expect(bad.requests).toHaveLength(1);
    expect(good.requests).toHaveLength(20);
    expect(chats.stats()).toMatchObject({ requests: 21, retries: 1, succeeded: 20, perReplica: [1, 20] });
  });

  it("uses both healthy replicas round-robin", async () => {
    const a = await serve();
    const b = await serve();
    const chats = pool([a.url, b.url], { concurrency: 1 });
    await collect(pooledMap(1, ["1", "2", "3", "4"], (gold) => chats.chat(ask(gold))));
    expect([a.requests.length, b.requests.length]).toEqual([2, 2]);
  });

  it("stops promptly when aborted during a backoff sleep", async () => {
    const server = await serve();
    server.inject({ kind: "status", status: 429, retryAfter: "30" });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("interrupted")), 150);
    await expect(pool([server.url]).chat(ask("x"), controller.signal)).rejects.toThrow("interrupted");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it("stops promptly when aborted while a request is in flight", async () => {
    const server = await serve();
    server.inject({ kind: "slow", delayMs: 5000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error("interrupted")), 100);
    await expect(pool([server.url], { timeoutMs: 10_000 }).chat(ask("x"), controller.signal)).rejects.toThrow(
      "interrupted",
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("keeps input order at concurrency 16 with random latencies and faults", async () => {
    const rng = Rng.derive("llm-client-order");
    const latency = Array.from({ length: 200 }, () => Math.floor(rng.float() * 30));
    const server = await serve({
      latencyMs: (request) => latency[request.index % latency.length] ?? 0,
      fault: (request) => (request.index % 17 === 5 ? { kind: "status", status: 500 } : undefined),
    });
    let inFlight = 0;
    let peak = 0;
    const counting: typeof fetch = async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    };
    const chats = pool([server.url], { concurrency: 16, fetch: counting });
    const golds = Array.from({ length: 120 }, (_, i) => `item-${i}`);
    const results = await collect(pooledMap(64, golds, (gold) => chats.chat(ask(gold))));
    expect(results.map((r) => r.choices[0])).toEqual(golds.map((g) => `The answer is ${g}.`));
    expect(peak).toBe(16);
    const faults = server.requests.filter((r) => r.fault !== undefined).length;
    expect(server.requests.length).toBe(120 + faults);
  });
});

describe("Azure OpenAI", () => {
  it("sends to the deployment route with api-version and the api-key header", async () => {
    const server = await serve({ apiKey: "azure-secret" });
    const endpoint = server.url.replace(/\/v1\/?$/, "");
    const chats = pool([endpoint], { apiKey: "azure-secret", azureApiVersion: "2024-10-21" });
    const result = await chats.chat({ ...ask("Paris"), model: "gpt-4o_2024-11-20" });
    expect(result.choices).toEqual(["The answer is Paris."]);
    expect(server.requests[0]!.url).toBe(
      "/openai/deployments/gpt-4o_2024-11-20/chat/completions?api-version=2024-10-21",
    );
    expect(server.requests[0]!.headers["api-key"]).toBe("azure-secret");
  });

  it("a wrong key is a 401 with the API-key hint", async () => {
    const server = await serve({ apiKey: "azure-secret" });
    const chats = pool([server.url.replace(/\/v1\/?$/, "")], {
      apiKey: "nope",
      azureApiVersion: "2024-10-21",
    });
    await expect(chats.chat(ask("Paris"))).rejects.toThrow(/check the API key/);
  });
});

describe("the response size limit", () => {
  const big = (chars: number) => () => "x".repeat(chars);

  it("refuses an announced body over maxResponseBytes without retrying, naming the URL and the limit", async () => {
    const server = await serve({ answer: big(5000) });
    const chats = pool([server.url], { maxResponseBytes: 2000 });
    const error = await chats.chat(ask("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Chat request to ${server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/chat/completions failed: the answer is larger than the 2000-byte limit \\(\\d+ bytes announced\\); `,
      ),
    );
    expect(server.requests).toHaveLength(1);
    expect(chats.stats()).toMatchObject({ requests: 1, retries: 0, failed: 1 });
  });

  it("stops reading a body without Content-Length as soon as it passes the limit", async () => {
    const server = await serve({ answer: big(200_000) });
    let delivered = 0;
    const unannounced: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const headers = new Headers(response.headers);
      headers.delete("content-length");
      const counted = response.body?.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            delivered += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(counted, { status: response.status, headers });
    };
    const chats = pool([server.url], { maxResponseBytes: 1000, fetch: unannounced });
    const error = await chats.chat(ask("x")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain(
      "the answer is larger than the 1000-byte limit; lower max_tokens",
    );
    expect(server.requests).toHaveLength(1);
    expect(delivered).toBeLessThan(200_000);
  });

  it("accepts a body within the limit, and checks the limit", async () => {
    const server = await serve({ answer: big(500) });
    const result = await pool([server.url], { maxResponseBytes: 4000 }).chat(ask("x"));
    expect(result.choices).toEqual(["x".repeat(500)]);
    expect(() => pool([server.url], { maxResponseBytes: 0 })).toThrow(
      "the response size limit must be a positive number of bytes, got 0",
    );
  });
});

describe("credentials in base URLs", () => {
  it("are redacted from the message of a failed request", async () => {
    const { createServer } = await import("node:net");
    const probe = createServer();
    const port = await new Promise<number>((done) =>
      probe.listen(0, "127.0.0.1", () => done((probe.address() as { port: number }).port)),
    );
    await new Promise((done) => probe.close(done));
    const url = `http://user:secret@127.0.0.1:${port}/v1?api_key=key123`;
    const error = await pool([url], { maxRetries: 0 })
      .chat(ask("x"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    const { message } = error as RemoteError;
    expect(message).toContain(`http://user:***@127.0.0.1:${port}/v1`);
    expect(message).not.toContain("secret");
    expect(message).not.toContain("key123");
    expect((error as RemoteError).url).not.toContain("secret");
    expect(() => pool(["ftp://user:secret@host/v1"])).toThrow('base URL "ftp://user:***@host/v1" is not');
  });
});
