import { type ChatPool, createChatPool } from "../llm/index.js";

type Opts = Record<string, unknown>;

/** The client pool of a command's flags; the key comes from --api-key, else $OPENAI_API_KEY, else "EMPTY". */
export function chatPoolFromFlags(o: Opts): ChatPool {
  return createChatPool({
    baseUrls: o.baseUrl as string[],
    apiKey: (o.apiKey as string | undefined) ?? process.env.OPENAI_API_KEY ?? "EMPTY",
    concurrency: o.concurrency as number,
    timeoutMs: o.timeoutMs as number,
    maxRetries: o.retries as number,
    ...(o.azureApiVersion !== undefined ? { azureApiVersion: o.azureApiVersion as string } : {}),
  });
}
