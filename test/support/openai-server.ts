/**
 * A real loopback HTTP server speaking the OpenAI chat-completions API, for client tests.
 * Answers are scripted per request by `answer`; faults are injected on demand (queued with `inject`, or
 * decided per request by `fault`). Every request received is recorded in `requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The parts of a chat-completions request body the server reads. */
export interface ChatBody {
  model: string;
  messages: { role: string; content: string | null }[];
  n?: number;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop?: string | string[];
  [key: string]: unknown;
}

/** One request as the server saw it. */
export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body, or `undefined` when the body was not JSON. */
  body: ChatBody | undefined;
  /** The fault injected into this request, if any. */
  fault: Fault | undefined;
}

export type Fault =
  /** Answer with this status (OpenAI-style error body), and a `Retry-After` header when given. */
  | { kind: "status"; status: number; retryAfter?: string; message?: string }
  /** Answer normally, but only after `delayMs`. */
  | { kind: "slow"; delayMs: number }
  /** 200 with a body that is not JSON. */
  | { kind: "malformed" }
  /** 200 headers and half a body, then the connection is destroyed. */
  | { kind: "reset" }
  /** Answer normally, with `content: null` in every choice. */
  | { kind: "null-content" };

/** Text of choice `choice` (0-based) for a request; `null` gives `content: null`. */
export type Answerer = (body: ChatBody, choice: number, request: RecordedRequest) => string | null;

export interface OpenAIServerOptions {
  /** @default {@link answerFromGold} */
  answer?: Answerer;
  /** Fault for a request, consulted after the injected queue is empty. */
  fault?: (request: RecordedRequest) => Fault | undefined;
  /** Bearer token required of every request; anything else gets 401. */
  apiKey?: string;
  /** Model names served; a request for another gets 404 `model_not_found`. Any model when absent. */
  models?: string[];
  /** Delay before every normal answer, per request. @unit ms @default 0 */
  latencyMs?: (request: RecordedRequest) => number;
  /**
   * How many choices a normal answer has, e.g. `() => 1` for a server that ignores `n`.
   * @default the request's `n`, else 1
   */
  choiceCount?: (body: ChatBody, request: RecordedRequest) => number;
  /**
   * Further fields of choice `choice`'s message, e.g. `{ reasoning_content: "…" }` for a server with a
   * reasoning parser. @default none
   */
  messageFields?: (body: ChatBody, choice: number, request: RecordedRequest) => Record<string, unknown>;
}

export interface OpenAIServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Queue faults, applied one per incoming request, in order. */
  inject(...faults: Fault[]): void;
  close(): Promise<void>;
}

const GOLD = /\[gold:\s*([^\]]*)\]/;

/**
 * Default answerer: finds `[gold: X]` in the last user message and answers `The answer is X.`; with
 * `wrong(body, choice)` true it answers `The answer is wrong-X.` instead. Without a marker, answers "ok".
 */
export function answerFromGold(wrong: (body: ChatBody, choice: number) => boolean = () => false): Answerer {
  return (body, choice) => {
    const last = [...body.messages].reverse().find((m) => m.role === "user");
    const gold = GOLD.exec(last?.content ?? "")?.[1]?.trim();
    if (gold === undefined) return "ok";
    return `The answer is ${wrong(body, choice) ? `wrong-${gold}` : gold}.`;
  };
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const answer = options.answer ?? answerFromGold();
  const requests: RecordedRequest[] = [];
  const queue: Fault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const sendJson = (
    res: ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (res.destroyed) return;
    const text = JSON.stringify(value);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  const apiError = (message: string, type: string, code: string | null) => ({
    error: { message, type, param: null, code },
  });

  const completion = (body: ChatBody, request: RecordedRequest, nullContent: boolean) => {
    const n = options.choiceCount?.(body, request) ?? body.n ?? 1;
    const choices = Array.from({ length: n }, (_, i) => ({
      index: i,
      message: {
        role: "assistant",
        content: nullContent ? null : answer(body, i, request),
        ...options.messageFields?.(body, i, request),
      },
      finish_reason: "stop",
      logprobs: null,
    }));
    const prompt = body.messages.reduce((sum, m) => sum + (m.content?.length ?? 0), 0);
    const completionChars = choices.reduce((sum, c) => sum + (c.message.content?.length ?? 0), 0);
    const promptTokens = Math.ceil(prompt / 4);
    const completionTokens = Math.ceil(completionChars / 4);
    return {
      id: `chatcmpl-${request.index}`,
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices,
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  };

  /** The OpenAI-style error a request gets before any fault or answer, if any. */
  const refuse = (req: IncomingMessage, body: ChatBody | undefined) => {
    const invalid = "invalid_request_error";
    // OpenAI route, or Azure OpenAI's `/openai/deployments/{deployment}/chat/completions?api-version=…`.
    const azure = /^\/openai\/deployments\/([^/?]+)\/chat\/completions\?api-version=[^&]+/.exec(
      req.url ?? "",
    );
    if (req.method !== "POST" || (req.url !== "/v1/chat/completions" && !azure))
      return { status: 404, error: apiError(`Unknown route ${req.method} ${req.url}`, invalid, null) };
    const key = azure ? req.headers["api-key"] : req.headers.authorization?.replace(/^Bearer /, "");
    if (options.apiKey !== undefined && key !== options.apiKey)
      return { status: 401, error: apiError("Incorrect API key provided.", invalid, "invalid_api_key") };
    if (body === undefined || !Array.isArray(body.messages) || typeof body.model !== "string")
      return { status: 400, error: apiError("Body must be JSON with model and messages.", invalid, null) };
    if (options.models && !options.models.includes(body.model)) {
      const message = `The model \`${body.model}\` does not exist.`;
      return { status: 404, error: apiError(message, invalid, "model_not_found") };
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    let body: ChatBody | undefined;
    try {
      body = JSON.parse(raw) as ChatBody;
    } catch {
      body = undefined;
    }
    const request: RecordedRequest = {
      index: requests.length,
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body,
      fault: undefined,
    };
    requests.push(request);
    request.fault = queue.shift() ?? options.fault?.(request);

    const refusal = refuse(req, body);
    if (refusal) {
      sendJson(res, refusal.status, refusal.error);
      return;
    }
    if (body === undefined) return;
    const ok = body;
    const fault = request.fault;
    switch (fault?.kind) {
      case "status": {
        const headers: Record<string, string> = fault.retryAfter ? { "retry-after": fault.retryAfter } : {};
        const message = fault.message ?? `Injected ${fault.status}`;
        sendJson(res, fault.status, apiError(message, "server_error", null), headers);
        return;
      }
      case "malformed":
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "chatcmpl-x", "choices": [ {"mess');
        return;
      case "reset": {
        const text = JSON.stringify(completion(ok, request, false));
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(text)),
        });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        later(20, () => res.socket?.destroy());
        return;
      }
      case "slow":
        later(fault.delayMs, () => sendJson(res, 200, completion(ok, request, false)));
        return;
      default: {
        const nullContent = fault?.kind === "null-content";
        const delay = options.latencyMs?.(request) ?? 0;
        if (delay <= 0) sendJson(res, 200, completion(ok, request, nullContent));
        else later(delay, () => sendJson(res, 200, completion(ok, request, nullContent)));
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    inject: (...faults) => void queue.push(...faults),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}
