import { setMaxListeners } from "node:events";
/**
 * `keychain-synth api-test`: a quick end-to-end check of an OpenAI-compatible endpoint (reference §10.4).
 * Sends N QA samples through the client pool, prints one ✓/✗ line per sample and a summary. Exits 0 when the
 * server answered every request (right or wrong); a request that failed for good makes the run fail.
 */
import type { Command } from "commander";
import { ConfigError, KeychainError } from "../errors.js";
import { type ChatPoolOptions, createChatPool } from "../llm/index.js";
import {
  type ApiTestLine,
  type ApiTestOptions,
  type ApiTestSummary,
  apiTestFailure,
  runApiTest,
} from "../stages/api-test.js";
import { intOption, numberOption } from "./numbers.js";

/** The flags of `api-test`, mapped onto the client pool's options and the library's. */
export interface ApiTestFlags {
  pool: ChatPoolOptions;
  test: ApiTestOptions;
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The printed line of one sample: `[i] ✓/✗ q: … gold=… → extracted`. */
export function formatLine(line: ApiTestLine): string {
  const ok = line.trajectories.some((t) => t.is_correct === 1);
  const head = `[${line.index}] ${ok ? "✓" : "✗"} q: ${truncate(line.sample.question, 60)} gold=${line.sample.golds.join(" | ")} → `;
  if (line.error) return `${head}request failed: ${line.error.message}`;
  const answers = line.trajectories.map((t) =>
    t.text === "" ? "(empty response)" : (t.extracted_answer ?? "(no answer found)"),
  );
  const k =
    line.trajectories.length > 1
      ? ` (${line.trajectories.filter((t) => t.is_correct).length}/${line.trajectories.length})`
      : "";
  return head + answers.join(" | ") + k;
}

export function formatSummary(s: ApiTestSummary, model: string): string {
  const perCompletion =
    s.completions > s.samples ? `; completions correct ${s.correctCompletions}/${s.completions}` : "";
  const failed = s.failed > 0 ? `; ${s.failed} requests failed` : "";
  return (
    `${model}: correct ${s.correct}/${s.samples}${perCompletion}${failed}; ` +
    `latency p50 ${Math.round(s.latencyMs.p50)} ms, p95 ${Math.round(s.latencyMs.p95)} ms; ` +
    `tokens ${s.tokens.prompt} prompt + ${s.tokens.completion} completion; ${(s.wallMs / 1000).toFixed(1)} s`
  );
}

type Opts = Record<string, unknown>;

/** Turn parsed flags into the pool's and the library's options. */
export function resolveApiTestFlags(o: Opts, env: NodeJS.ProcessEnv = process.env): ApiTestFlags {
  const prompt = o.prompt as string;
  if (prompt !== "answer-is" && prompt !== "plain")
    throw new ConfigError(`--prompt must be answer-is or plain, got ${JSON.stringify(prompt)}`);
  const nSamples = o.nSamples as number;
  const apiKey = (o.apiKey as string | undefined) ?? env.OPENAI_API_KEY;
  return {
    pool: {
      baseUrls: o.baseUrl as string[],
      ...(apiKey !== undefined ? { apiKey } : {}),
      concurrency: (o.concurrency as number | undefined) ?? nSamples,
      timeoutMs: (o.timeout as number) * 1000,
      maxRetries: o.maxRetries as number,
    },
    test: {
      model: o.model as string,
      input: o.input as string | undefined,
      nSamples,
      n: o.n as number,
      prompt,
      maxTokens: o.maxTokens as number,
      temperature: o.temperature as number,
    },
  };
}

export function registerApiTest(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  program
    .command("api-test")
    .description(
      "Check an OpenAI-compatible endpoint end to end: send N QA samples, print ✓/✗ per sample and a summary (exit ≠ 0 when a request fails)",
    )
    .requiredOption("--base-url <url...>", "server base URL(s), e.g. http://localhost:8000/v1")
    .requiredOption("--model <name>", "model name as the server knows it")
    .option("--api-key <key>", "bearer token (default: $OPENAI_API_KEY, else EMPTY)")
    .option("-i, --input <file>", "plain or KeyChain JSONL (default: 10 small synthetic QA prompts)")
    .option("--n-samples <n>", "samples to send", intOption("--n-samples", 1), 10)
    .option("--n <n>", "completions per sample", intOption("--n", 1), 1)
    .option(
      "--prompt <name>",
      "answer-is (filter/API rollout prompt) | plain (RL prompt + qwen_orz_boxed system)",
      "answer-is",
    )
    .option("--max-tokens <n>", "completion token limit", intOption("--max-tokens", 1), 4096)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature", 0), 0.6)
    .option(
      "--concurrency <n>",
      "requests in flight (default: all samples at once)",
      intOption("--concurrency", 1),
    )
    .option("--timeout <s>", "per-request time limit in seconds", numberOption("--timeout", 0.001), 600)
    .option(
      "--max-retries <n>",
      "retries of a failed request (429/5xx/network)",
      intOption("--max-retries", 0),
      2,
    )
    .action(async (o: Opts) => {
      const flags = resolveApiTestFlags(o);
      const controller = new AbortController();
      setMaxListeners(0, controller.signal); // one listener per request in flight or queued: not a leak
      const onSigint = () => controller.abort(new KeychainError("api-test interrupted"));
      process.once("SIGINT", onSigint);
      try {
        const pool = createChatPool(flags.pool);
        const result = await runApiTest(flags.test, {
          pool,
          signal: controller.signal,
          now: () => performance.now(),
        });
        for (const line of result.lines) out.write(`${formatLine(line)}\n`);
        out.write(`${formatSummary(result.summary, flags.test.model)}\n`);
        const failure = apiTestFailure(result, flags.pool.baseUrls[0] ?? "");
        if (failure) throw failure;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
