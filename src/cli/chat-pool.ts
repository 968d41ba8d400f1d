import type { Command } from "commander";
import { type ChatPool, createChatPool } from "../llm/index.js";
import type { StageDeps } from "../stages/deps.js";
import { intOption } from "./numbers.js";
import { createProgress } from "./progress.js";

/** The server flags of every LLM stage command, as commander hands them over. */
export interface ServerFlags {
  model: string;
  baseUrl: string[];
  apiKey?: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  azureApiVersion?: string;
  quiet: boolean;
  json: boolean;
}

/** The client pool of a command's flags; the key comes from --api-key, else $OPENAI_API_KEY, else "EMPTY". */
function chatPoolFromFlags(o: ServerFlags): ChatPool {
  return createChatPool({
    baseUrls: o.baseUrl,
    apiKey: o.apiKey ?? process.env.OPENAI_API_KEY ?? "EMPTY",
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    maxRetries: o.retries,
    ...(o.azureApiVersion !== undefined ? { azureApiVersion: o.azureApiVersion } : {}),
  });
}

/**
 * Run an LLM stage with a pool from the command's flags, a progress display and Ctrl-C handling (in-flight
 * requests are aborted; the stage's journal stays resumable), then print its end report.
 */
export async function withChatPool<T>(
  o: ServerFlags,
  label: string,
  body: (deps: StageDeps) => Promise<T>,
  report: (result: T, httpRequests: number) => string,
): Promise<T> {
  const pool = chatPoolFromFlags(o);
  const progress = createProgress(process.stderr, o.quiet);
  let started = false;
  try {
    const result = await withInterrupt((signal) =>
      body({
        pool,
        signal,
        onProgress: (done, total) => {
          if (!started) progress.start(label, total);
          started = true;
          progress.update(done);
        },
      }),
    );
    progress.stop();
    process.stdout.write(
      o.json
        ? `${JSON.stringify({ ...result, httpRequests: pool.stats().requests }, null, 2)}\n`
        : report(result, pool.stats().requests),
    );
    return result;
  } finally {
    progress.stop();
  }
}

/**
 * Run `body` with a signal that Ctrl-C aborts (in-flight requests stop; journals stay resumable), the SIGINT
 * handler removed afterwards.
 */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\nkeychain-synth: interrupted, stopping requests…\n");
    controller.abort(new Error("interrupted (SIGINT)"));
  };
  process.once("SIGINT", onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

/** The server flags of every LLM stage command (read back by chatPoolFromFlags), --quiet and --json. */
export function addServerOptions(cmd: Command, defaults: { concurrency: number }): Command {
  return cmd
    .requiredOption("-m, --model <name>", "model (or Azure deployment) name sent to the server")
    .requiredOption(
      "--base-url <url...>",
      "server base URL(s), e.g. http://gpu1:8000/v1; several spread the load",
    )
    .option("--api-key <key>", "API key (default: $OPENAI_API_KEY, else EMPTY)")
    .option(
      "--concurrency <n>",
      "requests in flight over all servers",
      intOption("--concurrency", 1),
      defaults.concurrency,
    )
    .option("--timeout-ms <ms>", "per-attempt time limit", intOption("--timeout-ms", 1), 600_000)
    .option("--retries <n>", "retries per request", intOption("--retries", 0), 5)
    .option(
      "--azure-api-version <v>",
      "Azure OpenAI: each --base-url is an Azure endpoint, --model the deployment",
    )
    .option("-q, --quiet", "no progress output", false)
    .option("--json", "print the end report as JSON", false);
}
