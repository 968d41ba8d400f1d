/**
 * Rollouts (reference §10.1, §10.3): for each input record, `n` completions from an OpenAI-compatible server
 * for its stored prompt (the one it was measured and is trained on), scored with sub_em / em / f1. When the
 * rollout sends other messages (the answer-is prompt, another system message), the output record keeps
 * them as `rollout_prompt`. Resumable and crash-safe through a journal next to the output (see
 * {@link JournalWriter}); the final file is written in input order, atomically, once every record is done.
 */
import { rm } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { readJsonLines } from "../corpus/json-lines.js";
import { ConfigError, KeychainError, type LockedError, RemoteError } from "../errors.js";
import { type ExportKind, type ExportRecord, parseExportLine } from "../export/records.js";
import { lockPathFor, withLock } from "../io/lock.js";
import { assertPathPart } from "../io/paths.js";
import { type ChatResult, chatN } from "../llm/index.js";
import type { ChatMessage } from "../prompt/chat-template.js";
import {
  promptMessages,
  SYSTEM_PROMPT_TEXTS,
  type SystemPrompt,
  samePrompt,
  systemOf,
  userOf,
} from "../prompt/messages.js";
import { ANSWER_IS_PROMPT_TEMPLATE, fillTemplate } from "../prompt/stage-templates.js";
import { type Extractor, type ScoredTrajectory, type ScoreMode, scoreTrajectory } from "../scoring/index.js";
import type { StageDeps } from "./deps.js";
import { openStageJournal, readStageJournal, runJournaled } from "./journaled-pool.js";
import { ROLLOUT_DEFAULTS } from "./rollout-defaults.js";
import { JOURNAL_KIND, type JournalHeader, journalHeaderOf } from "./rollout-journal.js";
import { fileExists, readStageInput, writeLinesAtomic } from "./stage-files.js";

/**
 * - `stored`: the record's stored prompt, the one it was measured and is trained on (`auto`, and `plain` /
 *   `keychain` on records of that kind, are older names for it).
 * - `answer-is`: the non-thinking API prompt of the original's `run_api_all.py` around the record's context
 *   and question (plain records); the messages sent are kept in the output as `rollout_prompt`.
 */
export type RolloutPrompt = "stored" | "answer-is" | "auto" | "plain" | "keychain";
export const ROLLOUT_PROMPTS: readonly RolloutPrompt[] = ["stored", "answer-is", "auto", "plain", "keychain"];
export const SYSTEM_PROMPTS: readonly SystemPrompt[] = ["none", "qwen_orz_boxed"];

/** What callers write. */
export interface RolloutOptions {
  /** JSONL of plain or KeyChain records. */
  input: string;
  model: string;
  /** Completions per record. @default 4 */
  n?: number;
  /** @default 0.6 */
  temperature?: number;
  /** @default server default */
  topP?: number;
  /** @default 4096 */
  maxTokens?: number;
  /** @default "stored" (each record's stored prompt) */
  prompt?: RolloutPrompt;
  /** Replace the system message: none or qwen_orz_boxed. @default the record's own */
  systemPrompt?: SystemPrompt;
  /** @default "answer-is" with the answer-is prompt, "thinking" otherwise */
  extractor?: Extractor;
  /** @default "default" */
  mode?: ScoreMode;
  /** First record (0-based). @default 0 */
  startIndex?: number;
  /** End record, exclusive; -1 = to the end. @default -1 */
  endIndex?: number;
  /** Output folder. @default "trajectories" */
  out?: string;
}

export interface ResolvedRolloutOptions {
  input: string;
  model: string;
  n: number;
  temperature: number;
  topP: number | undefined;
  maxTokens: number;
  prompt: "stored" | "answer-is";
  /** Undefined: each record's own system message. */
  systemPrompt: SystemPrompt | undefined;
  /** `plain` / `keychain` when the prompt was named after a kind: every record must be of it. */
  requiredKind: ExportKind | undefined;
  extractor: Extractor;
  mode: ScoreMode;
  startIndex: number;
  endIndex: number;
  out: string;
}

/** See StageDeps. */
export type RolloutDeps = StageDeps;

export interface RolloutSummary {
  outputPath: string;
  /** Records in the selected range. */
  records: number;
  /** Records found finished in the journal at start. */
  resumed: number;
  /** True when the output already existed with no journal: nothing was sent. */
  alreadyComplete: boolean;
  /** Chat calls that finished in this run. */
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Trajectories the server sent with `content: null`, scored 0. */
  emptyTrajectories: number;
  /** Requests made again because the server returned fewer choices than `n` (included in `requests`). */
  extraRequests: number;
  /** Records with at least one correct trajectory, over all records of the output. */
  anyCorrect: number;
  meanPassRate: number;
  ms: number;
}

/** Interrupted by the caller's signal (Ctrl-C); the journal keeps what finished. */
export class RolloutInterruptedError extends KeychainError {
  override name = "RolloutInterruptedError";
  override readonly exitCode = 130;
}

export function resolveRolloutOptions(o: RolloutOptions): ResolvedRolloutOptions {
  const problems: string[] = [];
  const n = o.n ?? ROLLOUT_DEFAULTS.n;
  if (!Number.isInteger(n) || n < 1) problems.push(`n must be a positive integer, got ${n}`);
  const temperature = o.temperature ?? ROLLOUT_DEFAULTS.temperature;
  if (!(temperature >= 0)) problems.push(`temperature must be ≥ 0, got ${temperature}`);
  const maxTokens = o.maxTokens ?? ROLLOUT_DEFAULTS.maxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    problems.push(`max tokens must be a positive integer, got ${maxTokens}`);
  const named = o.prompt ?? ROLLOUT_DEFAULTS.prompt;
  if (!ROLLOUT_PROMPTS.includes(named))
    problems.push(`prompt must be stored or answer-is, got ${JSON.stringify(named)}`);
  const prompt = named === "answer-is" ? "answer-is" : "stored";
  const systemPrompt = o.systemPrompt;
  if (systemPrompt !== undefined && !SYSTEM_PROMPTS.includes(systemPrompt))
    problems.push(`system prompt must be none or qwen_orz_boxed, got ${JSON.stringify(systemPrompt)}`);
  const startIndex = o.startIndex ?? ROLLOUT_DEFAULTS.startIndex;
  const endIndex = o.endIndex ?? ROLLOUT_DEFAULTS.endIndex;
  if (!Number.isInteger(startIndex) || startIndex < 0)
    problems.push(`start index must be ≥ 0, got ${startIndex}`);
  if (!Number.isInteger(endIndex) || endIndex < -1) problems.push(`end index must be ≥ -1, got ${endIndex}`);
  if (o.model === "") problems.push("a model name is needed");
  if (problems.length > 0) throw new ConfigError(`Invalid rollout options: ${problems.join("; ")}.`);
  return {
    input: o.input,
    model: o.model,
    n,
    temperature,
    topP: o.topP,
    maxTokens,
    prompt,
    systemPrompt,
    requiredKind: named === "plain" || named === "keychain" ? named : undefined,
    extractor: o.extractor ?? (prompt === "answer-is" ? "answer-is" : "thinking"),
    mode: o.mode ?? ROLLOUT_DEFAULTS.mode,
    startIndex,
    endIndex,
    out: o.out ?? ROLLOUT_DEFAULTS.out,
  };
}

/**
 * `{out}/{basename(dirname(input))}/{stem(input)}-{model with "/" → "_"}.jsonl`; a model whose name still
 * cannot be part of a file name (`..`, a `\`, a control character) is a `ConfigError`.
 */
export function rolloutOutputPath(o: Pick<ResolvedRolloutOptions, "input" | "model" | "out">): string {
  const dataset = basename(dirname(resolve(o.input)));
  const stem = basename(o.input, extname(o.input));
  const model = assertPathPart(o.model.replaceAll("/", "_"), "model name (as a file name part)");
  return join(o.out, dataset, `${stem}-${model}.jsonl`);
}

/**
 * The messages a rollout sends for a record: its stored prompt, or (`answer-is`) the answer-is user message;
 * with `systemPrompt`, the system message replaced.
 */
export function rolloutMessages(
  record: ExportRecord,
  o: Pick<ResolvedRolloutOptions, "prompt" | "systemPrompt">,
): ChatMessage[] {
  const user =
    o.prompt === "answer-is"
      ? fillTemplate(ANSWER_IS_PROMPT_TEMPLATE, { context: record.context, input: record.input })
      : userOf(record.prompt);
  const system = o.systemPrompt === undefined ? systemOf(record.prompt) : SYSTEM_PROMPT_TEXTS[o.systemPrompt];
  const messages = promptMessages(system, user);
  return samePrompt(messages, record.prompt) ? record.prompt : messages;
}

/** The fields a rollout adds to an input record (key order as the original). */
export function scoreRollout(
  result: Pick<ChatResult, "choices" | "reasoning">,
  record: ExportRecord,
  o: ResolvedRolloutOptions,
): { model: string; trajectories: ScoredTrajectory[]; num_correct: number; pass_rate: number } {
  const trajectories = result.choices.map((text, k) => {
    const reasoning = result.reasoning[k];
    return scoreTrajectory(text ?? "", record.answers, {
      extractor: o.extractor,
      mode: o.mode,
      aliases: record.aliases,
      ...(reasoning === null || reasoning === undefined ? {} : { reasoning }),
    });
  });
  const numCorrect = trajectories.reduce((s, t) => s + t.is_correct, 0);
  return {
    model: o.model,
    trajectories,
    num_correct: numCorrect,
    pass_rate: Math.round((numCorrect / o.n) * 1e4) / 1e4,
  };
}

interface InputLine {
  index: number;
  text: string;
  record: ExportRecord;
}

async function readInput(path: string): Promise<{ lines: InputLine[]; hash: string; size: number }> {
  const input = await readStageInput(path);
  let kind: ExportKind | undefined;
  const lines = input.lines.map(({ line, text }, index): InputLine => {
    const record = parseExportLine(text, kind, { file: path, line });
    kind ??= record.kind;
    return { index, text, record };
  });
  return { lines, hash: input.hash, size: input.size };
}

function journalHeader(o: ResolvedRolloutOptions, input: { hash: string; size: number }): JournalHeader {
  const settings: Record<string, unknown> = {
    model: o.model,
    n: o.n,
    temperature: o.temperature,
    top_p: o.topP ?? null,
    max_tokens: o.maxTokens,
    prompt: o.prompt,
    system_prompt: o.systemPrompt,
    extractor: o.extractor,
    mode: o.mode,
    start_idx: o.startIndex,
    end_idx: o.endIndex,
    input_size: input.size,
    input_sha256: input.hash,
  };
  return journalHeaderOf(JOURNAL_KIND, settings);
}

/**
 * Runs (or resumes) a rollout. Finished records go to `<output>.partial.jsonl` as they finish; when every
 * record is done the output is written in input order (temp file + rename) and the journal removed.
 * Throws {@link RolloutInterruptedError} on abort and the pool's {@link RemoteError} on a failed request,
 * both leaving the journal for the next start. The output's lock (`<output>.lock`) is held throughout: a second
 * run on the same output is refused with a {@link LockedError}.
 */
export async function runRollout(options: RolloutOptions, deps: RolloutDeps): Promise<RolloutSummary> {
  const now = deps.now ?? Date.now;
  const t0 = now();
  const o = resolveRolloutOptions(options);
  const outputPath = rolloutOutputPath(o);
  const input = await readInput(o.input);
  const end = o.endIndex === -1 ? input.lines.length : Math.min(o.endIndex, input.lines.length);
  const selected = input.lines.slice(o.startIndex, end);
  if (selected.length === 0)
    throw new ConfigError(
      `No records selected: "${o.input}" has ${input.lines.length} records, start ${o.startIndex}, end ${o.endIndex}.`,
    );
  const kind = selected[0]?.record.kind;
  if (o.requiredKind !== undefined && kind !== o.requiredKind)
    throw new ConfigError(
      `--prompt ${o.requiredKind} needs ${o.requiredKind === "keychain" ? "KeyChain" : "plain"} records, but "${o.input}" holds ${kind === "keychain" ? "KeyChain" : "plain"} records.`,
    );
  if (o.prompt === "answer-is" && kind === "keychain")
    throw new ConfigError(
      `--prompt answer-is states the question, which KeyChain records hide behind their chain; "${o.input}" holds KeyChain records (use the stored prompt).`,
    );
  const summary: RolloutSummary = {
    outputPath,
    records: selected.length,
    resumed: 0,
    alreadyComplete: false,
    requests: 0,
    extraRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    emptyTrajectories: 0,
    anyCorrect: 0,
    meanPassRate: 0,
    ms: 0,
  };
  // One writer per output: a second run on it would share the journal and send every request twice.
  const what = `the rollout output "${outputPath}"`;
  return withLock(lockPathFor(outputPath), { what }, async () => {
    const journalPath = `${outputPath}.partial.jsonl`;
    const header = journalHeader(o, input);
    const existing = await readStageJournal(journalPath, header);
    if (existing === undefined && (await fileExists(outputPath))) {
      summary.alreadyComplete = true;
      summary.resumed = selected.length;
      await tally(outputPath, summary);
      summary.ms = now() - t0;
      return summary;
    }
    const done = existing?.entries ?? new Map();
    summary.resumed = selected.filter((l) => done.has(l.index)).length;
    const pending = selected.filter((l) => !done.has(l.index));

    const journal = await openStageJournal(journalPath, header, existing);
    await runJournaled({
      pending: pending.map((line) => ({ index: line.index, item: line })),
      total: selected.length,
      alreadyDone: summary.resumed,
      journal,
      journalPath,
      done,
      deps,
      stage: "Rollout",
      requests: "Rollout",
      interrupted: (message) => new RolloutInterruptedError(message),
      work: async (line, signal) => {
        const result = await chatN(
          deps.pool,
          {
            model: o.model,
            messages: rolloutMessages(line.record, o),
            n: o.n,
            temperature: o.temperature,
            maxTokens: o.maxTokens,
            topP: o.topP,
          },
          signal,
        );
        summary.requests += 1 + result.extraRequests;
        summary.extraRequests += result.extraRequests;
        summary.promptTokens += result.usage?.promptTokens ?? 0;
        summary.completionTokens += result.usage?.completionTokens ?? 0;
        for (const c of result.choices) if (c === null) summary.emptyTrajectories++;
        return scoreRollout(result, line.record, o);
      },
    });

    await writeLinesAtomic(
      outputPath,
      (function* () {
        for (const line of selected) {
          const entry = done.get(line.index);
          if (entry === undefined) throw new Error(`rollout: record ${line.index} missing after the run`);
          const sent = rolloutMessages(line.record, o);
          const extra = sent === line.record.prompt ? {} : { rollout_prompt: sent };
          yield JSON.stringify({ ...(JSON.parse(line.text) as object), ...extra, ...entry.r });
        }
      })(),
    );
    await rm(journalPath, { force: true });
    await tally(outputPath, summary);
    summary.ms = now() - t0;
    return summary;
  });
}

/** Any-correct count and mean pass rate over the output file, streamed. */
async function tally(path: string, summary: RolloutSummary): Promise<void> {
  let rows = 0;
  let any = 0;
  let rate = 0;
  for await (const { value } of readJsonLines(path)) {
    const r = value as { num_correct?: number; pass_rate?: number };
    rows++;
    if ((r.num_correct ?? 0) > 0) any++;
    rate += r.pass_rate ?? 0;
  }
  summary.anyCorrect = any;
  summary.meanPassRate = rows > 0 ? rate / rows : 0;
}
