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
  API_TEST_DEFAULTS,
  API_TEST_POOL_DEFAULTS,
  API_TEST_PROMPTS,
  type ApiTestLine,
  type ApiTestOptions,
  type ApiTestPrompt,
  type ApiTestResult,
  type ApiTestSummary,
  apiTestFailure,
  runApiTest,
} from "../stages/api-test.js";
import { intOption, numberOption } from "./numbers.js";
import { hiddenAlias, printJson } from "./synthesis.js";

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

/** The flags of `api-test`, parsed by commander. */
interface ApiTestFlags {
  baseUrl: string[];
  model: string;
  apiKey?: string;
  input?: string;
  nSamples: number;
  n: number;
  prompt: ApiTestPrompt;
  maxTokens: number;
  temperature: number;
  /** Default: every sample at once. */
  concurrency?: number;
  timeoutMs: number;
  retries: number;
  /** The old --timeout, in seconds; wins over --timeout-ms when given. */
  timeout?: number;
  /** The old spelling of --retries. */
  maxRetries?: number;
  quiet: boolean;
  json: boolean;
}

/** What `api-test`'s flags stand for: the client pool's options and the library's. */
interface ApiTestSetup {
  pool: ChatPoolOptions;
  test: ApiTestOptions;
}

function promptOption(value: string): ApiTestPrompt {
  const prompt = API_TEST_PROMPTS.find((p) => p === value);
  if (prompt === undefined)
    throw new ConfigError(`--prompt must be answer-is or plain, got ${JSON.stringify(value)}`);
  return prompt;
}

/** Turn parsed flags into the pool's and the library's options. */
function apiTestSetup(o: ApiTestFlags, env: NodeJS.ProcessEnv = process.env): ApiTestSetup {
  const apiKey = o.apiKey ?? env.OPENAI_API_KEY;
  return {
    pool: {
      baseUrls: o.baseUrl,
      ...(apiKey !== undefined ? { apiKey } : {}),
      concurrency: o.concurrency ?? o.nSamples,
      timeoutMs: o.timeout !== undefined ? o.timeout * 1000 : o.timeoutMs,
      maxRetries: o.maxRetries ?? o.retries,
    },
    test: {
      model: o.model,
      ...(o.input !== undefined ? { input: o.input } : {}),
      nSamples: o.nSamples,
      n: o.n,
      prompt: o.prompt,
      maxTokens: o.maxTokens,
      temperature: o.temperature,
    },
  };
}

/** The result as `--json` prints it: each failed request's error as its message. */
function apiTestJson(model: string, result: ApiTestResult): unknown {
  return {
    model,
    summary: result.summary,
    lines: result.lines.map((l) => ({ ...l, error: l.error?.message })),
  };
}

export function registerApiTest(program: Command, out: NodeJS.WritableStream = process.stdout): void {
  const D = API_TEST_DEFAULTS;
  const P = API_TEST_POOL_DEFAULTS;
  program
    .command("api-test")
    .description(
      "Check an OpenAI-compatible endpoint end to end: send N QA samples, print ✓/✗ per sample and a summary (exit ≠ 0 when a request fails)",
    )
    .requiredOption("--base-url <url...>", "server base URL(s), e.g. http://localhost:8000/v1")
    .requiredOption("-m, --model <name>", "model name as the server knows it")
    .option("--api-key <key>", "bearer token (default: $OPENAI_API_KEY, else EMPTY)")
    .option("-i, --input <file>", "plain or KeyChain JSONL (default: 10 small synthetic QA prompts)")
    .option("--n-samples <n>", "samples to send", intOption("--n-samples", 1), D.nSamples)
    .option("--n <n>", "completions per sample", intOption("--n", 1), D.n)
    .option(
      "--prompt <name>",
      "answer-is (filter/API rollout prompt) | plain (RL prompt + qwen_orz_boxed system)",
      promptOption,
      D.prompt,
    )
    .option("--max-tokens <n>", "completion token limit", intOption("--max-tokens", 1), D.maxTokens)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature", 0), D.temperature)
    .option(
      "--concurrency <n>",
      "requests in flight (default: all samples at once)",
      intOption("--concurrency", 1),
    )
    .option("--timeout-ms <ms>", "per-attempt time limit", intOption("--timeout-ms", 1), P.timeoutMs)
    .option(
      "--retries <n>",
      "retries of a failed request (429/5xx/network)",
      intOption("--retries", 0),
      P.retries,
    )
    .addOption(hiddenAlias("--timeout <s>", numberOption("--timeout", 0.001)))
    .addOption(hiddenAlias("--max-retries <n>", intOption("--max-retries", 0)))
    .option("-q, --quiet", "no progress or notes on stderr (results and errors are still printed)", false)
    .option("--json", "print the result (summary and every sample) as JSON", false)
    .action(async (o: ApiTestFlags) => {
      const setup = apiTestSetup(o);
      const controller = new AbortController();
      setMaxListeners(0, controller.signal); // one listener per request in flight or queued: not a leak
      const onSigint = () => controller.abort(new KeychainError("api-test interrupted"));
      process.once("SIGINT", onSigint);
      try {
        const pool = createChatPool(setup.pool);
        const result = await runApiTest(setup.test, {
          pool,
          signal: controller.signal,
          now: () => performance.now(),
        });
        if (o.json) printJson(apiTestJson(setup.test.model, result), out);
        else {
          for (const line of result.lines) out.write(`${formatLine(line)}\n`);
          out.write(`${formatSummary(result.summary, setup.test.model)}\n`);
        }
        const failure = apiTestFailure(result, setup.pool.baseUrls[0] ?? "");
        if (failure) throw failure;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
