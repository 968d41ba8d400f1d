/** Token counting by the Gemini API's `models/{model}:countTokens`. */

import { ConfigError, RemoteError } from "../errors.js";
import { redactUrl } from "../net/redact.js";
import { postJson } from "./http.js";
import { createRemoteCounter, type RemoteCounterOptions } from "./remote.js";
import type { TokenCounter } from "./types.js";

export const DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";

export interface GeminiCounterOptions extends RemoteCounterOptions {
  /** Model name, e.g. `gemini-2.5-flash` (a leading `models/` is accepted). */
  model: string;
  /** Sent as the `x-goog-api-key` header. */
  apiKey: string;
  /** API root. @default "https://generativelanguage.googleapis.com" */
  baseUrl?: string;
}

/**
 * A counter backed by Gemini's countTokens: one request per text with
 * `{"contents":[{"parts":[{"text"}]}]}`, answered `{"totalTokens": n}`. Cannot return token ids.
 * Id: `gemini:<model>`.
 */
export function createGeminiCounter(options: GeminiCounterOptions): TokenCounter {
  const model = options.model.replace(/^models\//, "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(model)) {
    throw new ConfigError(`Invalid Gemini model name "${options.model}": expected e.g. gemini-2.5-flash`);
  }
  if (!options.apiKey) throw new ConfigError("The Gemini counter needs an API key (set GEMINI_API_KEY)");
  const base = (options.baseUrl ?? DEFAULT_GEMINI_BASE_URL).replace(/\/+$/, "");
  const endpoint = `${base}/v1beta/models/${model}:countTokens`;
  const headers = { "x-goog-api-key": options.apiKey };
  return createRemoteCounter(
    {
      id: `gemini:${model}`,
      name: `gemini:${model}`,
      count: async (text, http) => {
        const body = { contents: [{ parts: [{ text }] }] };
        const answer = await postJson({ what: "Gemini countTokens", url: endpoint, body, headers }, http);
        const total = (answer as { totalTokens?: unknown } | null)?.totalTokens;
        if (!Number.isInteger(total) || (total as number) < 0) {
          throw new RemoteError(
            `Gemini countTokens answered without "totalTokens" at ${redactUrl(endpoint)}: ${JSON.stringify(answer).slice(0, 200)}`,
            redactUrl(endpoint),
            200,
          );
        }
        return total as number;
      },
      noEncodeMessage: `gemini:${model} counts tokens remotely and cannot return token ids; choose a local tokenizer`,
    },
    options,
  );
}
