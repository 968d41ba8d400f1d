import { afterEach, describe, expect, it } from "vitest";
import { RemoteError } from "../../src/errors.js";
import { type ChatRequest, chatN, createChatPool } from "../../src/llm/index.js";
import { type OpenAIServer, type OpenAIServerOptions, startOpenAIServer } from "../support/openai-server.js";

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server whose answers name the request and the choice: `r{request}c{choice}`, thinking `t…`. */
async function serve(choiceCount: OpenAIServerOptions["choiceCount"]): Promise<OpenAIServer> {
  const server = await startOpenAIServer({
    answer: (_, choice, request) => `r${request.index}c${choice}`,
    messageFields: (_, choice, request) => ({ reasoning_content: `tr${request.index}c${choice}` }),
    ...(choiceCount ? { choiceCount } : {}),
  });
  servers.push(server);
  return server;
}

const pool = (url: string) =>
  createChatPool({ baseUrls: [url], concurrency: 2, timeoutMs: 2000, maxRetries: 0, random: () => 0.5 });

const ask = (n?: number): ChatRequest => ({
  model: "m",
  messages: [{ role: "user", content: "Question?" }],
  ...(n === undefined ? {} : { n }),
});

describe("chatN", () => {
  it.each<[string, OpenAIServerOptions["choiceCount"], number | undefined, (number | undefined)[], string[]]>(
    [
      ["a server that honours n", undefined, 3, [3], ["r0c0", "r0c1", "r0c2"]],
      ["no n (one choice)", undefined, undefined, [undefined], ["r0c0"]],
      ["one choice whatever n", () => 1, 4, [4, 3, 2, 1], ["r0c0", "r1c0", "r2c0", "r3c0"]],
      [
        "at most two choices",
        (body) => Math.min(2, body.n ?? 1),
        5,
        [5, 3, 1],
        ["r0c0", "r0c1", "r1c0", "r1c1", "r2c0"],
      ],
      ["more choices than asked (cut to n)", () => 3, 2, [2], ["r0c0", "r0c1"]],
      ["no choice at first, then all", (_, r) => (r.index === 0 ? 0 : 2), 2, [2, 2], ["r1c0", "r1c1"]],
    ],
  )("%s: asks again for the missing choices only", async (_, choiceCount, n, sentN, expected) => {
    const server = await serve(choiceCount);
    const result = await chatN(pool(server.url), ask(n));
    expect(server.requests.map((r) => r.body?.n)).toEqual(sentN);
    expect(result.choices).toEqual(expected);
    expect(result.reasoning).toEqual(expected.map((c) => `t${c}`));
    expect(result.extraRequests).toBe(sentN.length - 1);
  });

  it("sums the usage of every request", async () => {
    const server = await serve(() => 1);
    const result = await chatN(pool(server.url), ask(3));
    // Each answer is 4 characters (1 token); the prompt "Question?" is 9 characters (3 tokens).
    expect(result.usage).toEqual({ promptTokens: 9, completionTokens: 3, totalTokens: 12 });
  });

  it("follow-ups repeat the request with only n changed", async () => {
    const server = await serve(() => 1);
    const pooled = pool(server.url);
    await chatN(pooled, { ...ask(2), temperature: 0.7, maxTokens: 64 });
    expect(server.requests[1]?.body).toEqual({ ...server.requests[0]?.body, n: 1 });
    expect(pooled.stats()).toMatchObject({ requests: 2, succeeded: 2 });
  });

  it.each<[string, OpenAIServerOptions["choiceCount"], number, string]>([
    ["a follow-up with no choice", (_, r) => (r.index === 0 ? 1 : 0), 2, "gave 1 of 3 choices"],
    ["a server that never answers with a choice", () => 0, 2, "gave 0 of 3 choices"],
    ["progress, then none", (_, r) => (r.index < 2 ? 1 : 0), 3, "gave 2 of 3 choices"],
  ])("%s is a RemoteError, never an invented choice", async (_, choiceCount, requests, message) => {
    const server = await serve(choiceCount);
    const error = await chatN(pool(server.url), ask(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain(`${message} for model "m" after ${requests} requests`);
    expect((error as RemoteError).url).toBe(`${server.url}/chat/completions`);
    expect(server.requests).toHaveLength(requests);
  });

  it("stops when aborted between requests", async () => {
    const server = await serve(() => 1);
    const controller = new AbortController();
    const pooled = pool(server.url);
    const chat = pooled.chat.bind(pooled);
    pooled.chat = async (request, signal) => {
      const result = await chat(request, signal);
      controller.abort(new Error("interrupted"));
      return result;
    };
    await expect(chatN(pooled, ask(3), controller.signal)).rejects.toThrow("interrupted");
    expect(server.requests).toHaveLength(1);
  });
});
