import { type ChatPool, createChatPool } from "../llm/index.js";
import type { StageDeps } from "../stages/deps.js";
import { createProgress } from "./progress.js";

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

/**
 * Run an LLM stage with a pool from the command's flags, a progress display and Ctrl-C handling (in-flight
 * requests are aborted; the stage's journal stays resumable), then print its end report.
 */
export async function withChatPool<T>(
  o: Opts,
  label: string,
  body: (deps: StageDeps) => Promise<T>,
  report: (result: T, httpRequests: number) => string,
): Promise<T> {
  const pool = chatPoolFromFlags(o);
  const progress = createProgress(process.stderr, o.quiet as boolean);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nkeychain-synth: interrupted, stopping requests…\n");
    controller.abort(new Error("interrupted (SIGINT)"));
  };
  process.once("SIGINT", onSigint);
  let started = false;
  try {
    const result = await body({
      pool,
      signal: controller.signal,
      onProgress: (done, total) => {
        if (!started) progress.start(label, total);
        started = true;
        progress.update(done);
      },
    });
    progress.stop();
    process.stdout.write(report(result, pool.stats().requests));
    return result;
  } finally {
    progress.stop();
    process.removeListener("SIGINT", onSigint);
  }
}
