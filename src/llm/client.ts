/**
 * A pool of chat-completions clients over one or more OpenAI-compatible replicas, on the official
 * `openai` SDK. The SDK's own retries are off; `chatRetryDelay` decides. Requests go round-robin over the
 * replicas; a replica whose server fails is avoided for a while and the retry goes to another one at once.
 */
import OpenAI, { AzureOpenAI } from "openai";
import { createLimiter } from "../async/limiter.js";
import { ConfigError, RemoteError } from "../errors.js";
import { redactText, redactUrl } from "../net/redact.js";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  type RequestFailure,
  type RetryPolicy,
  retryDelay,
} from "../net/retry.js";
import { sleep } from "../net/sleep.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import { BadResponseError, failureOf, isServerFault } from "./failure.js";
import { DEFAULT_REPLICA_BACKOFF, type ReplicaBackoff, ReplicaSet } from "./replicas.js";

export type { ChatMessage };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** Completions to sample. @default 1 (server default) */
  n?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string | string[];
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatResult {
  /** One entry per choice, in choice-index order; `null` where the server sent `content: null`. */
  choices: (string | null)[];
  /**
   * The thinking of each choice, parallel to `choices`, when the server returns it apart from the answer
   * (vLLM or SGLang with a reasoning parser: `message.reasoning_content`; newer vLLM: `message.reasoning`);
   * `null` where the server sent none.
   */
  reasoning: (string | null)[];
  /** Token usage as reported by the server; `undefined` when it reports none. */
  usage: ChatUsage | undefined;
}

/** What callers write. */
export interface ChatPoolOptions {
  /** Base URLs of the replicas, e.g. `http://gpu1:8000/v1`. At least one. */
  baseUrls: string[];
  /** Bearer token sent to every replica. @default "EMPTY" (what vLLM and SGLang accept) */
  apiKey?: string;
  /**
   * Azure OpenAI: the `api-version` to send. When set, each base URL is an Azure endpoint
   * (`https://<resource>.openai.azure.com`), the request's `model` names the deployment, and the key is sent
   * as the `api-key` header.
   */
  azureApiVersion?: string;
  /** Requests in flight at once, over all replicas. */
  concurrency: number;
  /** Per-attempt time limit until the response headers arrive. @unit ms */
  timeoutMs: number;
  /** Retries after the first attempt of a request. */
  maxRetries: number;
  /** Backoff tuning of the retry policy. @default DEFAULT_RETRY_POLICY */
  retry?: Partial<Omit<RetryPolicy, "maxRetries">>;
  /** How long a failing replica is avoided. @default DEFAULT_REPLICA_BACKOFF */
  replicaBackoff?: Partial<ReplicaBackoff>;
  /** `fetch` used by the SDK. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * The largest response body accepted (a completion, or an error body); a larger one fails the request with
   * a {@link RemoteError} naming the URL and the limit, without being read whole. @unit bytes
   * @default 67108864 (64 MiB)
   */
  maxResponseBytes?: number;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** Clock in ms since the epoch. @default Date.now */
  now?: () => number;
}

/** Every default filled in and every value checked. */
export interface ResolvedChatPoolOptions {
  baseUrls: string[];
  apiKey: string;
  azureApiVersion: string | undefined;
  concurrency: number;
  timeoutMs: number;
  retry: Readonly<RetryPolicy>;
  replicaBackoff: Readonly<ReplicaBackoff>;
  fetch: typeof fetch | undefined;
  maxResponseBytes: number;
  random: () => number;
  now: () => number;
}

/** The default of {@link ChatPoolOptions.maxResponseBytes}: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface ChatStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Attempts that failed and were retried. */
  retries: number;
  /** Chat calls that succeeded. */
  succeeded: number;
  /** Chat calls that failed for good. */
  failed: number;
  /** Requests sent per replica, in `baseUrls` order. */
  perReplica: number[];
}

export interface ChatPool {
  readonly options: ResolvedChatPoolOptions;
  /** One chat completion with retries; waits for a free slot first. Rejects with `signal.reason` on abort. */
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
  stats(): ChatStats;
}

/** Checks the options and fills in the defaults; reports every problem at once. */
export function resolveChatPoolOptions(options: ChatPoolOptions): ResolvedChatPoolOptions {
  const problems: string[] = [];
  if (options.baseUrls.length === 0) problems.push("at least one base URL is needed");
  for (const url of options.baseUrls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      problems.push(`base URL "${redactUrl(url)}" is not an http(s) URL`);
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    problems.push(`concurrency must be a positive integer, got ${options.concurrency}`);
  if (!(options.timeoutMs > 0))
    problems.push(`timeout must be a positive number of ms, got ${options.timeoutMs}`);
  if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0)
    problems.push(`max retries must be a non-negative integer, got ${options.maxRetries}`);
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1)
    problems.push(`the response size limit must be a positive number of bytes, got ${maxResponseBytes}`);
  if (problems.length > 0) throw new ConfigError(`Invalid chat client options: ${problems.join("; ")}.`);
  return {
    baseUrls: options.baseUrls.map((url) => url.replace(/\/+$/, "")),
    apiKey: options.apiKey ?? "EMPTY",
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    azureApiVersion: options.azureApiVersion,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry, maxRetries: options.maxRetries },
    replicaBackoff: { ...DEFAULT_REPLICA_BACKOFF, ...options.replicaBackoff },
    fetch: options.fetch,
    maxResponseBytes,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}

export function createChatPool(options: ChatPoolOptions): ChatPool {
  const resolved = resolveChatPoolOptions(options);
  const common = {
    apiKey: resolved.apiKey,
    maxRetries: 0,
    timeout: resolved.timeoutMs,
    fetch: limitResponseBody(resolved.fetch ?? globalThis.fetch, resolved.maxResponseBytes),
  };
  const clients: OpenAI[] = resolved.baseUrls.map((baseURL) =>
    resolved.azureApiVersion !== undefined
      ? new AzureOpenAI({ ...common, endpoint: baseURL, apiVersion: resolved.azureApiVersion })
      : new OpenAI({ ...common, baseURL, organization: null, project: null }),
  );
  const replicas = new ReplicaSet(clients, resolved.now, resolved.replicaBackoff);
  const limiter = createLimiter(resolved.concurrency);
  const counts = { requests: 0, retries: 0, succeeded: 0, failed: 0 };
  const perReplica = clients.map(() => 0);

  const attemptLoop = async (request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatResult> => {
    const body = toBody(request);
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const index = replicas.pick();
      const client = clients[index] as OpenAI;
      counts.requests++;
      perReplica[index] = (perReplica[index] ?? 0) + 1;
      try {
        const completion = await client.chat.completions.create(body, {
          maxRetries: 0,
          timeout: resolved.timeoutMs,
          ...(signal ? { signal } : {}),
        });
        const result = toResult(completion);
        replicas.succeed(index);
        return result;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const tooLarge = responseTooLarge(error);
        // The same request would get the same answer: no retry.
        if (tooLarge !== undefined) throw describeTooLarge(tooLarge, error, resolved, index);
        const failure = failureOf(error);
        if (failure === undefined) throw error;
        if (isServerFault(failure)) replicas.fail(index);
        const delay = retryDelay(failure, attempt, resolved.retry, resolved.random, resolved.now());
        if (delay === undefined) throw describeFailure(failure, error, request, resolved, index, attempt);
        counts.retries++;
        // Another replica that is up gets the retry now; with none, wait as the policy says.
        if (!replicas.hasHealthyOther(index)) await sleep(delay, { signal });
      }
    }
  };

  return {
    options: resolved,
    async chat(request, signal) {
      return limiter.run(async () => {
        try {
          const result = await attemptLoop(request, signal);
          counts.succeeded++;
          return result;
        } catch (error) {
          counts.failed++;
          throw error;
        }
      }, signal);
    },
    stats: () => ({ ...counts, perReplica: [...perReplica] }),
  };
}

function toBody(request: ChatRequest): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages,
  };
  if (request.n !== undefined) body.n = request.n;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.stop !== undefined) body.stop = request.stop;
  return body;
}

/** Reads a completion defensively: the server may be any OpenAI-compatible implementation. */
function toResult(completion: unknown): ChatResult {
  const raw = completion as { choices?: unknown; usage?: unknown } | null;
  if (raw === null || typeof raw !== "object" || !Array.isArray(raw.choices))
    throw new BadResponseError("the answer has no `choices` array");
  const choices = raw.choices.map((choice: unknown, position: number) => {
    const c = choice as { index?: unknown; message?: Record<string, unknown> } | null;
    const message = c?.message;
    return {
      index: typeof c?.index === "number" ? c.index : position,
      content: optionalText(message?.content, position, "content"),
      // Older vLLM and SGLang send `reasoning_content`; newer vLLM sends `reasoning` (and may send both).
      reasoning:
        optionalText(message?.reasoning_content, position, "reasoning_content") ??
        optionalText(message?.reasoning, position, "reasoning"),
    };
  });
  choices.sort((a, b) => a.index - b.index);
  const u = raw.usage as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    total_tokens?: unknown;
  } | null;
  const usage =
    u &&
    typeof u === "object" &&
    typeof u.prompt_tokens === "number" &&
    typeof u.completion_tokens === "number"
      ? {
          promptTokens: u.prompt_tokens,
          completionTokens: u.completion_tokens,
          totalTokens:
            typeof u.total_tokens === "number" ? u.total_tokens : u.prompt_tokens + u.completion_tokens,
        }
      : undefined;
  return { choices: choices.map((c) => c.content), reasoning: choices.map((c) => c.reasoning), usage };
}

/** A message field that is a string, `null` or absent (→ `null`); anything else is a bad response. */
function optionalText(value: unknown, position: number, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw new BadResponseError(`choice ${position} has a non-string ${field}`);
  return value;
}

/** A response body over the limit; `size` is the announced Content-Length when there was one. */
class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  constructor(
    readonly limit: number,
    readonly size: number | undefined,
  ) {
    super(`the response body is larger than the ${limit}-byte limit`);
  }
}

/**
 * `fetch` whose response bodies stop at `maxBytes`: a larger announced Content-Length fails at once (the body
 * is not read), and a body that grows past the limit fails as soon as it does. The failure is a
 * {@link ResponseTooLargeError}, thrown by `fetch` or by reading the body.
 */
function limitResponseBody(inner: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const announced = Number(response.headers.get("content-length") ?? Number.NaN);
    if (Number.isFinite(announced) && announced > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw new ResponseTooLargeError(maxBytes, announced);
    }
    if (response.body === null) return response;
    let received = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > maxBytes) controller.error(new ResponseTooLargeError(maxBytes, undefined));
          else controller.enqueue(chunk);
        },
      }),
    );
    const bounded = new Response(limited, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(bounded, "url", { value: response.url });
    return bounded;
  };
}

/** The {@link ResponseTooLargeError} behind `error` (the SDK wraps what `fetch` throws), if any. */
function responseTooLarge(error: unknown): ResponseTooLargeError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++, e = e.cause) {
    if (e instanceof ResponseTooLargeError) return e;
  }
  return undefined;
}

function describeTooLarge(
  tooLarge: ResponseTooLargeError,
  error: unknown,
  options: ResolvedChatPoolOptions,
  index: number,
): RemoteError {
  const url = redactUrl(`${options.baseUrls[index]}/chat/completions`);
  const size = tooLarge.size === undefined ? "" : ` (${tooLarge.size} bytes announced)`;
  return new RemoteError(
    `Chat request to ${url} failed: the answer is larger than the ${tooLarge.limit}-byte limit${size}; ` +
      "lower max_tokens or n, or raise maxResponseBytes if such answers are expected",
    url,
    undefined,
    { cause: error },
  );
}

function describeFailure(
  failure: RequestFailure,
  error: unknown,
  request: ChatRequest,
  options: ResolvedChatPoolOptions,
  index: number,
  attempts: number,
): RemoteError {
  const url = redactUrl(`${options.baseUrls[index]}/chat/completions`);
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : "";
  const detail = redactText(error instanceof Error ? error.message : String(error));
  if (failure.kind === "network") {
    const what =
      error instanceof OpenAI.APIConnectionTimeoutError ? `no answer within ${options.timeoutMs} ms` : detail;
    return new RemoteError(`Chat request to ${url} failed${tries}: ${what}`, url, undefined, {
      cause: error,
    });
  }
  const { status } = failure;
  let message: string;
  if (status === 401) message = `Chat request to ${url} was refused (401 Unauthorized): check the API key.`;
  else if (status === 403) message = `Chat request to ${url} was refused (403 Forbidden): check the API key.`;
  else if (status === 404)
    message = `Model "${request.model}" was not found at ${url} (404: ${detail}); check the model name and the base URL.`;
  else if (isRetryableStatus(status) && attempts <= options.retry.maxRetries)
    message = `Chat request to ${url} failed with status ${status} and the server asked to wait "${failure.retryAfter}", longer than the ${options.retry.maxRetryAfterMs} ms the client waits: ${detail}`;
  else message = `Chat request to ${url} failed${tries} with status ${status}: ${detail}`;
  return new RemoteError(message, url, status, { cause: error });
}
