/**
 * `n` completions of one request even from a server that returns fewer choices than asked (or ignores `n`):
 * the missing ones are requested again, never invented.
 */
import { RemoteError } from "../errors.js";
import type { ChatPool, ChatRequest, ChatResult, ChatUsage } from "./client.js";

export interface ChatNResult extends ChatResult {
  /** Follow-up requests made for missing choices; 0 when the first answer had them all. */
  extraRequests: number;
}

/**
 * Exactly `request.n` (default 1) choices: calls `pool.chat`, and while fewer choices came back, asks again
 * with `n` = the number still missing. Choices and their reasoning are concatenated in arrival order (so the
 * result holds exactly `n`; choices beyond `n` are dropped). Usage is the sum over every request, or
 * `undefined` when no answer reported any.
 *
 * A follow-up that returns no choice means the server will not give more: that throws a {@link RemoteError}
 * saying how many of the `n` choices it gave after how many requests. As each follow-up brings at least one
 * choice, there are at most `n` of them.
 */
export async function chatN(
  pool: Pick<ChatPool, "chat" | "options">,
  request: ChatRequest,
  signal?: AbortSignal,
): Promise<ChatNResult> {
  const n = request.n ?? 1;
  const first = await pool.chat(request, signal);
  const choices = first.choices.slice(0, n);
  const reasoning = first.reasoning.slice(0, n);
  const usages = [first.usage];
  let extraRequests = 0;
  while (choices.length < n) {
    const missing = n - choices.length;
    const more = await pool.chat({ ...request, n: missing }, signal);
    extraRequests++;
    usages.push(more.usage);
    if (more.choices.length === 0) throw tooFewChoices(pool, request, n, choices.length, extraRequests + 1);
    choices.push(...more.choices.slice(0, missing));
    reasoning.push(...more.reasoning.slice(0, missing));
  }
  return { choices, reasoning, usage: sumUsage(usages), extraRequests };
}

function tooFewChoices(
  pool: Pick<ChatPool, "chat" | "options">,
  request: ChatRequest,
  n: number,
  got: number,
  requests: number,
): RemoteError {
  const urls = pool.options.baseUrls.map((url) => `${url}/chat/completions`);
  return new RemoteError(
    `The server gave ${got} of ${n} choices for model "${request.model}" after ${requests} requests to ${urls.join(", ")}: the last request returned no choice. Check that the server supports "n".`,
    urls.join(", "),
  );
}

/** Sum of the reported usages; `undefined` when none was reported. */
function sumUsage(usages: readonly (ChatUsage | undefined)[]): ChatUsage | undefined {
  const reported = usages.filter((u) => u !== undefined);
  if (reported.length === 0) return undefined;
  return {
    promptTokens: reported.reduce((s, u) => s + u.promptTokens, 0),
    completionTokens: reported.reduce((s, u) => s + u.completionTokens, 0),
    totalTokens: reported.reduce((s, u) => s + u.totalTokens, 0),
  };
}
