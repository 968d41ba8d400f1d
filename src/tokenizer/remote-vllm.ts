/** Token counting by a vLLM server's `POST /tokenize` endpoint. */

import { ConfigError, RemoteError } from "../errors.js";
import { redactUrl } from "../net/redact.js";
import { postJson, type ResolvedHttpOptions } from "./http.js";
import { createRemoteCounter, type RemoteCounterOptions } from "./remote.js";
import type { TokenCounter } from "./types.js";

export interface VllmCounterOptions extends RemoteCounterOptions {
  /** Server root, e.g. `http://127.0.0.1:8000`; requests go to `{url}/tokenize`. */
  url: string;
  /** Model to tokenize with, for servers that serve several. @default the server's only model */
  model?: string;
  /** Sent as `Authorization: Bearer …` when the server was started with `--api-key`. */
  apiKey?: string;
}

/**
 * A counter backed by vLLM. Each text is one request `{"prompt", "add_special_tokens": false, "model"?}`;
 * the answer's `count` is the count and its `tokens` the ids. Id: `vllm:<url>#<model>` (`vllm:<url>`
 * without a model), the URL's credentials redacted (the id is written into sidecars and cache keys).
 */
export function createVllmCounter(options: VllmCounterOptions): TokenCounter {
  const url = normaliseServerUrl(options.url);
  const endpoint = `${url}/tokenize`;
  const { model, apiKey } = options;
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const tokenize = async (text: string, http: ResolvedHttpOptions): Promise<TokenizeAnswer> => {
    const body = { prompt: text, add_special_tokens: false, ...(model ? { model } : {}) };
    const answer = await postJson({ what: "vLLM tokenize", url: endpoint, body, headers }, http);
    return readAnswer(answer, endpoint);
  };
  const shown = redactUrl(url);
  const label = model ? `${shown}#${model}` : shown;
  return createRemoteCounter(
    {
      id: `vllm:${label}`,
      name: `vllm:${label}`,
      count: async (text, http) => (await tokenize(text, http)).count,
      encode: async (text, http) => {
        const { tokens } = await tokenize(text, http);
        if (!tokens)
          throw new RemoteError(
            `vLLM tokenize answered without "tokens" at ${redactUrl(endpoint)}`,
            redactUrl(endpoint),
            200,
          );
        return tokens;
      },
    },
    options,
  );
}

/** `http(s)://host[:port][/path]` without a trailing slash; anything else is a `ConfigError`. */
export function normaliseServerUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`Invalid vLLM server URL "${redactUrl(raw)}": expected http://host:port`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ConfigError(`Invalid vLLM server URL "${redactUrl(raw)}": expected an http:// or https:// URL`);
  }
  if (parsed.search || parsed.hash) {
    throw new ConfigError(`Invalid vLLM server URL "${redactUrl(raw)}": expected no query or fragment`);
  }
  return parsed.href.replace(/\/+$/, "");
}

interface TokenizeAnswer {
  count: number;
  tokens: number[] | undefined;
}

function readAnswer(answer: unknown, endpoint: string): TokenizeAnswer {
  const record = typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>) : {};
  const tokens =
    Array.isArray(record.tokens) && record.tokens.every(Number.isInteger)
      ? (record.tokens as number[])
      : undefined;
  const count = Number.isInteger(record.count) ? (record.count as number) : tokens?.length;
  if (count === undefined || count < 0) {
    throw new RemoteError(
      `vLLM tokenize answered without a token count at ${redactUrl(endpoint)}: ${JSON.stringify(answer).slice(0, 200)}`,
      redactUrl(endpoint),
      200,
    );
  }
  return { count, tokens };
}
