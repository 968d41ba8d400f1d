import { setMaxListeners } from "node:events";
/**
 * `keychain-synth api-test`: a quick end-to-end check of an OpenAI-compatible endpoint (reference §10.4).
 * Sends N QA samples through the client pool, prints one ✓/✗ line per sample and a summary. Exits 0 when the
 * server answered every request (right or wrong); a request that failed for good makes the run fail.
 */
import type { Command } from "commander";
import { ConfigError, InputError, KeychainError, RemoteError } from "../errors.js";
import { type ExportKind, parseExportLine } from "../export/records.js";
import { readLines } from "../io/lines.js";
import { type ChatPool, type ChatUsage, createChatPool } from "../llm/index.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import { PLAIN_TEMPLATE, promptMessages, renderUserMessage } from "../prompt/messages.js";
import { ANSWER_IS_PROMPT_TEMPLATE, fillTemplate } from "../prompt/stage-templates.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "../prompt/templates.js";
import { type ScoredTrajectory, scoreTrajectory } from "../scoring/index.js";
import { intOption, numberOption } from "./numbers.js";

export type ApiTestPrompt = "answer-is" | "plain";

/** One QA sample to send. */
export interface ApiTestSample {
  question: string;
  context: string;
  golds: string[];
  aliases: string[];
  /** Records read from a file: their kind and stored prompt (KeyChain records are always sent with it). */
  stored?: { kind: ExportKind; messages: ChatMessage[] };
}

/** The resolved `api-test` configuration (every default filled). */
export interface ApiTestConfig {
  baseUrls: string[];
  apiKey: string | undefined;
  model: string;
  /** JSONL of plain or KeyChain records; synthetic samples when absent. */
  input: string | undefined;
  nSamples: number;
  /** Completions per sample. */
  n: number;
  prompt: ApiTestPrompt;
  maxTokens: number;
  temperature: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
}

/** Outcome of one sample. */
export interface ApiTestLine {
  index: number;
  sample: ApiTestSample;
  /** Scored completions; empty when the request failed. */
  trajectories: ScoredTrajectory[];
  /** Why the request failed for good, if it did. */
  error: Error | undefined;
  latencyMs: number;
  usage: ChatUsage | undefined;
}

export interface ApiTestSummary {
  samples: number;
  /** Samples with at least one correct completion. */
  correct: number;
  completions: number;
  correctCompletions: number;
  /** Requests that failed for good. */
  failed: number;
  latencyMs: { p50: number; p95: number };
  tokens: { prompt: number; completion: number };
  wallMs: number;
}

/** Small built-in QA items, used when no `--input` is given. */
export const SYNTHETIC_QA: readonly { fact: string; question: string; gold: string }[] = [
  { fact: "The capital of France is Paris.", question: "What is the capital of France?", gold: "Paris" },
  {
    fact: "Mount Everest is the highest mountain above sea level.",
    question: "Which mountain is the highest above sea level?",
    gold: "Mount Everest",
  },
  {
    fact: "Water boils at 100 degrees Celsius at sea level.",
    question: "At how many degrees Celsius does water boil at sea level?",
    gold: "100",
  },
  {
    fact: "The Pacific is the largest ocean on Earth.",
    question: "Which is the largest ocean?",
    gold: "Pacific",
  },
  {
    fact: "Jupiter is the largest planet in the Solar System.",
    question: "Which planet is the largest in the Solar System?",
    gold: "Jupiter",
  },
  { fact: "A week has seven days.", question: "How many days does a week have?", gold: "seven" },
  {
    fact: "Canberra is the capital city of Australia.",
    question: "What is the capital city of Australia?",
    gold: "Canberra",
  },
  {
    fact: "The chemical symbol of gold is Au.",
    question: "What is the chemical symbol of gold?",
    gold: "Au",
  },
  {
    fact: "The Nile flows into the Mediterranean Sea.",
    question: "Into which sea does the Nile flow?",
    gold: "Mediterranean Sea",
  },
  { fact: "Spiders have eight legs.", question: "How many legs does a spider have?", gold: "eight" },
];

/** `count` synthetic samples (the built-in items, repeated when more are asked). Each context holds the fact among two others. */
export function syntheticSamples(count: number): ApiTestSample[] {
  const items = SYNTHETIC_QA;
  return Array.from({ length: count }, (_, i) => {
    const item = items[i % items.length] as (typeof items)[number];
    const others = [items[(i + 3) % items.length], items[(i + 7) % items.length]].map((o) => o?.fact ?? "");
    const docs = [others[0], item.fact, others[1]];
    return {
      question: item.question,
      context: docs.map((d, k) => `Passage ${k + 1}:\n${d}`).join("\n\n"),
      golds: [item.gold],
      aliases: [],
    };
  });
}

/** The first `count` records of a plain or KeyChain JSONL file, as samples with their stored prompts. */
export async function readSamples(path: string, count: number): Promise<ApiTestSample[]> {
  const samples: ApiTestSample[] = [];
  for await (const { line, text } of readLines(path)) {
    if (samples.length >= count) break;
    if (text.trim() === "") continue;
    const record = parseExportLine(text, undefined, { file: path, line });
    samples.push({
      question: record.input,
      context: record.context,
      golds: record.answers,
      aliases: record.aliases,
      stored: { kind: record.kind, messages: record.prompt },
    });
  }
  if (samples.length === 0) throw new InputError("the file holds no records", { file: path });
  return samples;
}

/**
 * Messages for a sample. Records from a file are sent with their stored prompt (with `answer-is`, plain records
 * get the filter / API-rollout prompt instead, §10.3). Built-in samples: `answer-is`, or `plain`, the RL
 * training prompt with the `qwen_orz_boxed` system text.
 */
export function apiTestMessages(sample: ApiTestSample, prompt: ApiTestPrompt): ChatMessage[] {
  if (sample.stored && (prompt === "plain" || sample.stored.kind === "keychain"))
    return sample.stored.messages;
  if (prompt === "answer-is")
    return promptMessages(
      undefined,
      fillTemplate(ANSWER_IS_PROMPT_TEMPLATE, { context: sample.context, input: sample.question }),
    );
  return promptMessages(
    QWEN_ORZ_BOXED_SYSTEM,
    renderUserMessage({ kind: "plain", template: PLAIN_TEMPLATE, question: sample.question }, sample.context),
  );
}

/** Scores a completion whatever the model's style: `</think>` or a `\boxed{}` → thinking rule, else "the answer is". */
export function scoreAny(text: string, sample: ApiTestSample): ScoredTrajectory {
  const options = { aliases: sample.aliases };
  if (text.includes("</think>"))
    return scoreTrajectory(text, sample.golds, { ...options, extractor: "thinking" });
  if (text.includes("\\boxed")) {
    const s = scoreTrajectory(`</think>${text}`, sample.golds, { ...options, extractor: "thinking" });
    return { ...s, text };
  }
  return scoreTrajectory(text, sample.golds, { ...options, extractor: "answer-is" });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[at] as number;
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

export function summarize(lines: readonly ApiTestLine[], wallMs: number): ApiTestSummary {
  const answered = lines.filter((l) => !l.error);
  const latencies = answered.map((l) => l.latencyMs).sort((a, b) => a - b);
  const trajectories = lines.flatMap((l) => l.trajectories);
  return {
    samples: lines.length,
    correct: lines.filter((l) => l.trajectories.some((t) => t.is_correct === 1)).length,
    completions: trajectories.length,
    correctCompletions: trajectories.filter((t) => t.is_correct === 1).length,
    failed: lines.length - answered.length,
    latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
    tokens: {
      prompt: answered.reduce((s, l) => s + (l.usage?.promptTokens ?? 0), 0),
      completion: answered.reduce((s, l) => s + (l.usage?.completionTokens ?? 0), 0),
    },
    wallMs,
  };
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

/**
 * Sends every sample through the pool, then prints one line per sample in input order and the summary. Throws a {@link RemoteError} when any request
 * failed for good (after printing what was answered).
 */
export async function runApiTest(
  config: ApiTestConfig,
  out: NodeJS.WritableStream,
  pool: ChatPool = createChatPool({
    baseUrls: config.baseUrls,
    ...(config.apiKey !== undefined ? { apiKey: config.apiKey } : {}),
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
  }),
  signal?: AbortSignal,
): Promise<ApiTestSummary> {
  const samples = config.input
    ? await readSamples(config.input, config.nSamples)
    : syntheticSamples(config.nSamples);
  const started = performance.now();
  const lines = await Promise.all(
    samples.map(async (sample, index): Promise<ApiTestLine> => {
      const t0 = performance.now();
      try {
        const result = await pool.chat(
          {
            model: config.model,
            messages: apiTestMessages(sample, config.prompt),
            n: config.n,
            temperature: config.temperature,
            maxTokens: config.maxTokens,
          },
          signal,
        );
        const trajectories = result.choices.map((c) => scoreAny(c ?? "", sample));
        return {
          index,
          sample,
          trajectories,
          error: undefined,
          latencyMs: performance.now() - t0,
          usage: result.usage,
        };
      } catch (error) {
        if (signal?.aborted || !(error instanceof KeychainError)) throw error;
        return {
          index,
          sample,
          trajectories: [],
          error,
          latencyMs: performance.now() - t0,
          usage: undefined,
        };
      }
    }),
  );
  for (const line of lines) out.write(`${formatLine(line)}\n`);
  const summary = summarize(lines, performance.now() - started);
  out.write(`${formatSummary(summary, config.model)}\n`);
  const firstError = lines.find((l) => l.error)?.error;
  if (firstError) {
    const url = firstError instanceof RemoteError ? firstError.url : (config.baseUrls[0] ?? "");
    const status = firstError instanceof RemoteError ? firstError.status : undefined;
    throw new RemoteError(
      `${summary.failed} of ${summary.samples} requests failed; the first: ${firstError.message}`,
      url,
      status,
      { cause: firstError },
    );
  }
  return summary;
}

type Opts = Record<string, unknown>;

/** Turn parsed flags into the resolved configuration. */
export function resolveApiTestConfig(o: Opts, env: NodeJS.ProcessEnv = process.env): ApiTestConfig {
  const prompt = o.prompt as string;
  if (prompt !== "answer-is" && prompt !== "plain")
    throw new ConfigError(`--prompt must be answer-is or plain, got ${JSON.stringify(prompt)}`);
  const nSamples = o.nSamples as number;
  return {
    baseUrls: o.baseUrl as string[],
    apiKey: (o.apiKey as string | undefined) ?? env.OPENAI_API_KEY,
    model: o.model as string,
    input: o.input as string | undefined,
    nSamples,
    n: o.n as number,
    prompt,
    maxTokens: o.maxTokens as number,
    temperature: o.temperature as number,
    concurrency: (o.concurrency as number | undefined) ?? nSamples,
    timeoutMs: (o.timeout as number) * 1000,
    maxRetries: o.maxRetries as number,
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
      const config = resolveApiTestConfig(o);
      const controller = new AbortController();
      setMaxListeners(0, controller.signal); // one listener per request in flight or queued: not a leak
      const onSigint = () => controller.abort(new KeychainError("api-test interrupted"));
      process.once("SIGINT", onSigint);
      try {
        await runApiTest(config, out, undefined, controller.signal);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
