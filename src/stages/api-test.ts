/**
 * `api-test`, the library side: a quick end-to-end check of an OpenAI-compatible endpoint (reference §10.4).
 * Sends N QA samples through the client pool, scores every completion and summarises the run; the caller
 * prints. A request that failed for good is kept as its sample's error ({@link apiTestFailure}).
 */

import { ConfigError, KeychainError, RemoteError } from "../errors.js";
import type { ChatUsage } from "../llm/index.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import { PLAIN_TEMPLATE, promptMessages, renderUserMessage } from "../prompt/messages.js";
import { ANSWER_IS_PROMPT_TEMPLATE, fillTemplate } from "../prompt/stage-templates.js";
import { QWEN_ORZ_BOXED_SYSTEM } from "../prompt/templates.js";
import { type ScoredTrajectory, scoreTrajectory } from "../scoring/index.js";
import { type ApiTestSample, readApiTestSamples, syntheticApiTestSamples } from "./api-test-samples.js";
import type { StageDeps } from "./deps.js";

export type ApiTestPrompt = "answer-is" | "plain";

export const API_TEST_PROMPTS: readonly ApiTestPrompt[] = ["answer-is", "plain"];

/** The defaults {@link resolveApiTestOptions} fills in. */
export const API_TEST_DEFAULTS = {
  nSamples: 10,
  n: 1,
  prompt: "answer-is",
  maxTokens: 4096,
  temperature: 0.6,
} as const satisfies Omit<ResolvedApiTestOptions, "model" | "input">;

/**
 * The client pool api-test's callers build by default: a quick check gives up sooner than the stages do.
 * Requests in flight default to every sample at once (`nSamples`).
 */
export const API_TEST_POOL_DEFAULTS = {
  /** Per-attempt time limit. @unit ms */
  timeoutMs: 600_000,
  /** Retries of a failed request (408/409/429/5xx and network errors). */
  retries: 2,
} as const;

/** What callers write. */
export interface ApiTestOptions {
  /** Model name as the server knows it. */
  model: string;
  /** JSONL of plain or KeyChain records. @default the built-in synthetic samples */
  input?: string;
  /** Samples to send. @default 10 */
  nSamples?: number;
  /** Completions per sample. @default 1 */
  n?: number;
  /** The prompt of built-in samples and plain records (see {@link apiTestMessages}). @default "answer-is" */
  prompt?: ApiTestPrompt;
  /** Completion token limit. @default 4096 */
  maxTokens?: number;
  /** @default 0.6 */
  temperature?: number;
}

/** {@link ApiTestOptions} with every default filled in. */
export interface ResolvedApiTestOptions {
  model: string;
  input: string | undefined;
  nSamples: number;
  n: number;
  prompt: ApiTestPrompt;
  maxTokens: number;
  temperature: number;
}

/** What {@link runApiTest} needs from its caller: {@link StageDeps} without progress, the clock in ms. */
export interface ApiTestDeps extends Pick<StageDeps, "pool" | "signal"> {
  /** For latencies and the wall time. @default performance.now */
  now?: () => number;
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

export interface ApiTestResult {
  /** One per sample, in input order. */
  lines: ApiTestLine[];
  summary: ApiTestSummary;
}

/** Checks the options and fills in the defaults; reports every problem at once. */
export function resolveApiTestOptions(o: ApiTestOptions): ResolvedApiTestOptions {
  const problems: string[] = [];
  const d = API_TEST_DEFAULTS;
  const prompt = o.prompt ?? d.prompt;
  if (!API_TEST_PROMPTS.includes(prompt))
    problems.push(`prompt must be answer-is or plain, got ${JSON.stringify(prompt)}`);
  const positive = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1)
      problems.push(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  const nSamples = positive("samples", o.nSamples ?? d.nSamples);
  const n = positive("n", o.n ?? d.n);
  const maxTokens = positive("max tokens", o.maxTokens ?? d.maxTokens);
  const temperature = o.temperature ?? d.temperature;
  if (!(temperature >= 0)) problems.push(`temperature must be ≥ 0, got ${temperature}`);
  if (problems.length > 0) throw new ConfigError(`Invalid api-test options: ${problems.join("; ")}.`);
  return { model: o.model, input: o.input, nSamples, n, prompt, maxTokens, temperature };
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

/** Nearest-rank percentile of ascending values; 0 without values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[at] as number;
}

/** The summary of a run's lines; `wallMs` is the run's wall time. */
export function summarizeApiTest(lines: readonly ApiTestLine[], wallMs: number): ApiTestSummary {
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

/**
 * Sends every sample through the pool at once (the pool bounds the requests in flight) and scores the
 * completions. A request that fails for good (a {@link KeychainError}) becomes its line's `error`; an abort by
 * `deps.signal`, or any other error, is thrown.
 */
export async function runApiTest(options: ApiTestOptions, deps: ApiTestDeps): Promise<ApiTestResult> {
  const o = resolveApiTestOptions(options);
  const { pool, signal } = deps;
  const now = deps.now ?? (() => performance.now());
  const samples = o.input
    ? await readApiTestSamples(o.input, o.nSamples)
    : syntheticApiTestSamples(o.nSamples);
  const started = now();
  const lines = await Promise.all(
    samples.map(async (sample, index): Promise<ApiTestLine> => {
      const t0 = now();
      try {
        const result = await pool.chat(
          {
            model: o.model,
            messages: apiTestMessages(sample, o.prompt),
            n: o.n,
            temperature: o.temperature,
            maxTokens: o.maxTokens,
          },
          signal,
        );
        const trajectories = result.choices.map((c) => scoreAny(c ?? "", sample));
        return { index, sample, trajectories, error: undefined, latencyMs: now() - t0, usage: result.usage };
      } catch (error) {
        if (signal?.aborted || !(error instanceof KeychainError)) throw error;
        return { index, sample, trajectories: [], error, latencyMs: now() - t0, usage: undefined };
      }
    }),
  );
  return { lines, summary: summarizeApiTest(lines, now() - started) };
}

/**
 * The error of a run in which requests failed for good, naming how many and the first one; `undefined` when
 * the server answered every request (right or wrong). Its URL is the first failure's, else `fallbackUrl`.
 */
export function apiTestFailure(result: ApiTestResult, fallbackUrl: string): RemoteError | undefined {
  const firstError = result.lines.find((l) => l.error)?.error;
  if (!firstError) return undefined;
  const url = firstError instanceof RemoteError ? firstError.url : fallbackUrl;
  const status = firstError instanceof RemoteError ? firstError.status : undefined;
  return new RemoteError(
    `${result.summary.failed} of ${result.summary.samples} requests failed; the first: ${firstError.message}`,
    url,
    status,
    { cause: firstError },
  );
}
