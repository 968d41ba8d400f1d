import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, RemoteError } from "../../src/errors.js";
import { createGeminiCounter } from "../../src/tokenizer/remote-gemini.js";
import { createVllmCounter } from "../../src/tokenizer/remote-vllm.js";
import { resolveTokenizer } from "../../src/tokenizer/resolve.js";
import type { TokenCounter } from "../../src/tokenizer/types.js";

// ---------------------------------------------------------------------------------------------------
// A loopback HTTP server whose behaviour each test scripts, request by request.

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Never answer (until the server is closed). */
  hang?: boolean;
  delayMs?: number;
}
type Script = (request: Seen, index: number) => Reply;

interface TestServer {
  url: string;
  seen: Seen[];
  peakInFlight: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(script: Script): Promise<TestServer> {
  const seen: Seen[] = [];
  let inFlight = 0;
  const state = { peakInFlight: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const request: Seen = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      };
      const reply = script(request, seen.length);
      seen.push(request);
      if (reply.hang) return;
      inFlight++;
      state.peakInFlight = Math.max(state.peakInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(body);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    seen,
    get peakInFlight() {
      return state.peakInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

// ---------------------------------------------------------------------------------------------------
// The two real protocols, answered by a toy tokenizer: one token per whitespace-separated word.

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** vLLM `POST /tokenize`: `{prompt, add_special_tokens, model?}` → `{count, max_model_len, tokens}`. */
function vllmOk(request: Seen): Reply {
  const { prompt } = request.body as { prompt: string };
  const tokens = words(prompt).map((w) => w.length);
  return { status: 200, body: { count: tokens.length, max_model_len: 32768, tokens } };
}

/** Gemini `countTokens`: `{contents: [{parts: [{text}]}]}` → `{totalTokens, promptTokensDetails}`. */
function geminiOk(request: Seen): Reply {
  const body = request.body as { contents: { parts: { text: string }[] }[] };
  const total = words(body.contents[0]?.parts[0]?.text ?? "").length;
  return {
    status: 200,
    body: { totalTokens: total, promptTokensDetails: [{ modality: "TEXT", tokenCount: total }] },
  };
}

const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 20 };

interface Backend {
  name: string;
  ok: Script;
  make(
    url: string,
    options?: { timeoutMs?: number; concurrency?: number; retry?: object; fetch?: typeof fetch },
  ): TokenCounter;
}

const backends: Backend[] = [
  {
    name: "vLLM",
    ok: vllmOk,
    make: (url, options = {}) => createVllmCounter({ url, model: "qwen3", retry: FAST_RETRY, ...options }),
  },
  {
    name: "Gemini",
    ok: geminiOk,
    make: (url, options = {}) =>
      createGeminiCounter({
        model: "gemini-2.5-flash",
        apiKey: "k-123",
        baseUrl: url,
        retry: FAST_RETRY,
        ...options,
      }),
  },
];

describe.each(backends)("$name counter against a loopback server", ({ ok, make }) => {
  it("counts a batch in order with at most `concurrency` requests in flight", async () => {
    const server = await startServer((request) => ({ ...ok(request, 0), delayMs: 15 }));
    const counter = make(server.url, { concurrency: 3 });
    const texts = Array.from({ length: 12 }, (_, i) => "w ".repeat(i + 1));
    expect(await counter.countBatch(texts)).toEqual(texts.map((_, i) => i + 1));
    expect(server.seen).toHaveLength(12);
    expect(server.peakInFlight).toBe(3);
  });

  it("rejects a batch with its first failure, stopping the other requests in flight", async () => {
    const server = await startServer((request, i) =>
      i === 1 ? { status: 401, body: { error: { message: "bad key" } } } : { ...ok(request, i), hang: true },
    );
    const counter = make(server.url, { concurrency: 3 });
    const started = performance.now();
    const error = await counter.countBatch(["a", "b", "c", "d", "e"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(401);
    // The hanging requests were aborted, not waited for (their timeout is 30 s), and none started after the
    // failure: the server saw the failing request and at most the other two of the first `concurrency` (the
    // third may be aborted before it reaches the server), never "d" or "e", even a moment later.
    expect(performance.now() - started).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.seen.length).toBeGreaterThanOrEqual(2);
    expect(server.seen.length).toBeLessThanOrEqual(3);
    const sent = server.seen.map((r) => JSON.stringify(r.body));
    expect(sent.filter((b) => !/"[abc]"/.test(b))).toEqual([]);
  });

  it("counts the empty text as 0 without a request", async () => {
    const server = await startServer(ok);
    const counter = make(server.url);
    expect(await counter.countBatch(["", "a b", ""])).toEqual([0, 2, 0]);
    expect(server.seen).toHaveLength(1);
  });

  it("waits as Retry-After asks after a 429, then succeeds", async () => {
    const server = await startServer((request, i) =>
      i === 0
        ? { status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down" } } }
        : ok(request, i),
    );
    const started = performance.now();
    expect(await make(server.url).count("one two three")).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.seen).toHaveLength(2);
  });

  it("retries a 500, then succeeds", async () => {
    const server = await startServer((request, i) =>
      i === 0 ? { status: 500, body: "oops" } : ok(request, i),
    );
    expect(await make(server.url).count("one two")).toBe(2);
    expect(server.seen).toHaveLength(2);
  });

  it("gives up after the retries, naming the URL and the last status", async () => {
    const server = await startServer(() => ({ status: 503, body: { message: "overloaded" } }));
    const error = await make(server.url, { retry: { ...FAST_RETRY, maxRetries: 2 } })
      .count("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(503);
    expect((error as RemoteError).url).toContain(server.url);
    expect((error as RemoteError).message).toMatch(/HTTP 503: "overloaded".*gave up after 3 attempts/);
    expect(server.seen).toHaveLength(3);
  });

  it("reports a 2xx body that is not JSON, without retrying", async () => {
    const server = await startServer(() => ({ status: 200, body: "<html>proxy error</html>" }));
    const error = await make(server.url)
      .count("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(200);
    expect((error as RemoteError).message).toContain('not JSON: "<html>proxy error</html>"');
    expect(server.seen).toHaveLength(1);
  });

  it("reports a JSON body without a count", async () => {
    const server = await startServer(() => ({ status: 200, body: { hello: "world" } }));
    await expect(make(server.url).count("x")).rejects.toThrow(RemoteError);
  });

  it("does not retry a 401 and says to check the API key", async () => {
    const server = await startServer(() => ({
      status: 401,
      body: { error: { code: 401, message: "API key not valid.", status: "UNAUTHENTICATED" } },
    }));
    const error = await make(server.url)
      .count("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBe(401);
    expect((error as RemoteError).message).toContain('HTTP 401: "API key not valid."; check the API key');
    expect(server.seen).toHaveLength(1);
  });

  it("times out a request that hangs, and retries it", async () => {
    const server = await startServer(() => ({ status: 200, hang: true }));
    const counter = make(server.url, { timeoutMs: 100, retry: { ...FAST_RETRY, maxRetries: 1 } });
    await expect(counter.count("x")).rejects.toThrow(/timed out after 100 ms \(gave up after 2 attempts\)/);
    expect(server.seen).toHaveLength(2);
  });

  it("reports a server that cannot be reached", async () => {
    const server = await startServer(ok);
    await server.close();
    const error = await make(server.url, { retry: { ...FAST_RETRY, maxRetries: 1 } })
      .count("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).status).toBeUndefined();
    expect((error as RemoteError).message).toContain("could not be reached");
  });

  it("redacts the credentials of a URL in its messages", async () => {
    const server = await startServer(() => ({ status: 500, body: { error: { message: "boom" } } }));
    const withCredentials = server.url.replace("http://", "http://user:secret@");
    // Node's fetch refuses a URL with credentials: that failure is a network error quoting the URL.
    const refused = (await make(withCredentials, { retry: { ...FAST_RETRY, maxRetries: 0 } })
      .count("x")
      .catch((e: unknown) => e)) as RemoteError;
    // A fetch that takes them out of the URL reaches the server, which answers 500.
    const stripping: typeof fetch = (input, init) => fetch(String(input).replace("user:secret@", ""), init);
    const answered = (await make(withCredentials, {
      retry: { ...FAST_RETRY, maxRetries: 0 },
      fetch: stripping,
    } as object)
      .count("x")
      .catch((e: unknown) => e)) as RemoteError;
    for (const error of [refused, answered]) {
      expect(error).toBeInstanceOf(RemoteError);
      expect(error.message).toContain("user:***@127.0.0.1");
      expect(error.message).not.toContain("secret");
      expect(error.url).not.toContain("secret");
    }
    expect(answered.status).toBe(500);
  });

  it("close() aborts requests in flight", async () => {
    const server = await startServer(() => ({ status: 200, hang: true }));
    const counter = make(server.url);
    const pending = counter.count("x");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await counter.close();
    await expect(pending).rejects.toThrow("was closed");
  });
});

describe("vLLM specifics", () => {
  it("keeps credentials out of its id and name (written into sidecars and cache keys)", () => {
    const counter = createVllmCounter({ url: "http://user:secret@127.0.0.1:1", model: "m" });
    expect([counter.id, counter.name]).toEqual([
      "vllm:http://user:***@127.0.0.1:1#m",
      "vllm:http://user:***@127.0.0.1:1#m",
    ]);
    expect(() => createVllmCounter({ url: "http://user:secret@h/?token=abc" })).toThrow(
      'Invalid vLLM server URL "http://user:***@h/?token=***": expected no query or fragment',
    );
  });

  it("sends the real request shape and returns ids from `tokens`", async () => {
    const server = await startServer(vllmOk);
    const counter = createVllmCounter({ url: `${server.url}/`, model: "Qwen/Qwen3-8B", apiKey: "sk-local" });
    expect(counter.id).toBe(`vllm:${server.url}#Qwen/Qwen3-8B`);
    expect(await counter.encode("ab cde")).toEqual([2, 3]);
    const [request] = server.seen;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/tokenize");
    expect(request?.headers.authorization).toBe("Bearer sk-local");
    expect(request?.body).toEqual({ prompt: "ab cde", add_special_tokens: false, model: "Qwen/Qwen3-8B" });
  });

  it("omits the model when none is given", async () => {
    const server = await startServer(vllmOk);
    const counter = createVllmCounter({ url: server.url });
    expect(counter.id).toBe(`vllm:${server.url}`);
    await counter.count("a");
    expect(server.seen[0]?.body).toEqual({ prompt: "a", add_special_tokens: false });
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
  });

  it.each(["localhost:8000", "ftp://host/x", "http://host:8000/?q=1"])("rejects the URL %j", (url) => {
    expect(() => createVllmCounter({ url })).toThrow(ConfigError);
  });
});

describe("Gemini specifics", () => {
  it("sends the real request shape with the key in x-goog-api-key", async () => {
    const server = await startServer(geminiOk);
    const counter = createGeminiCounter({
      model: "models/gemini-2.5-flash",
      apiKey: "k-123",
      baseUrl: server.url,
    });
    expect(counter.id).toBe("gemini:gemini-2.5-flash");
    expect(await counter.count("one two three")).toBe(3);
    const [request] = server.seen;
    expect(request?.path).toBe("/v1beta/models/gemini-2.5-flash:countTokens");
    expect(request?.headers["x-goog-api-key"]).toBe("k-123");
    expect(request?.body).toEqual({ contents: [{ parts: [{ text: "one two three" }] }] });
  });

  it("cannot return token ids", async () => {
    const counter = createGeminiCounter({
      model: "gemini-2.5-flash",
      apiKey: "k",
      baseUrl: "http://127.0.0.1:9",
    });
    await expect(counter.encode("x")).rejects.toThrow(ConfigError);
  });
});

describe("resolveTokenizer with remote specs", () => {
  it("builds a Gemini counter from the environment and an injected base URL", async () => {
    const server = await startServer(geminiOk);
    const counter = await resolveTokenizer("gemini:gemini-2.5-flash", {
      env: { GEMINI_API_KEY: "env-key" },
      geminiBaseUrl: server.url,
    });
    expect(await counter.count("a b")).toBe(2);
    expect(server.seen[0]?.headers["x-goog-api-key"]).toBe("env-key");
  });

  it("takes the Gemini base URL from GEMINI_BASE_URL and uses the injected fetch", async () => {
    const server = await startServer(geminiOk);
    const urls: string[] = [];
    const counter = await resolveTokenizer("gemini:gemini-2.5-flash", {
      env: { GEMINI_API_KEY: "k", GEMINI_BASE_URL: server.url },
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    expect(await counter.count("a b c")).toBe(3);
    expect(urls).toEqual([`${server.url}/v1beta/models/gemini-2.5-flash:countTokens`]);
  });

  it("builds a vLLM counter with a model and the key from VLLM_API_KEY", async () => {
    const server = await startServer(vllmOk);
    const counter = await resolveTokenizer(`vllm:${server.url}#my-model`, { env: { VLLM_API_KEY: "v-key" } });
    expect(counter.id).toBe(`vllm:${server.url}#my-model`);
    expect(await counter.countBatch(["a", "a b"])).toEqual([1, 2]);
    expect(server.seen[0]?.headers.authorization).toBe("Bearer v-key");
    expect(server.seen[0]?.body).toMatchObject({ model: "my-model" });
  });
});
