/**
 * Reasoning-trace extraction (reference §9.1): for each record, one user message built from a reasoning
 * template, `n` completions. Unlike the original (W25) the output keeps input order, and a request that still
 * fails after the pool's retries is recorded as a failure (`reasonings: []`, `error`), never as a reasoning
 * string. Resumable and crash-safe through the rollout journal; the output is written atomically at the end.
 */
import { rm } from "node:fs/promises";
import {
  ConfigError,
  describeType,
  InputError,
  KeychainError,
  type LockedError,
  RemoteError,
} from "../errors.js";
import { readLines } from "../io/lines.js";
import { lockPathFor, withLock } from "../io/lock.js";
import { fillTemplate, REASONING_TEMPLATES, type ReasoningTemplate } from "../prompt/stage-templates.js";
import type { StageDeps } from "./deps.js";
import { openStageJournal, readStageJournal, runJournaled } from "./journaled-pool.js";
import { type JournalEntry, type JournalHeader, journalHeaderOf } from "./rollout-journal.js";
import { fileExists, readStageInput, writeLinesAtomic } from "./stage-files.js";

export const REASON_JOURNAL_KIND = "keychain-synth reason journal";
export const REASONING_TEMPLATE_NAMES = Object.keys(REASONING_TEMPLATES) as ReasoningTemplate[];

/** What callers write. */
export interface ReasonOptions {
  /** JSONL of records with `input`, `context`, `answers` (and optionally `index`). */
  input: string;
  /** JSONL written in input order. */
  output: string;
  model: string;
  /** @default "basic" */
  template?: ReasoningTemplate;
  /** Completions per record (`n`). @default 1 */
  numSequences?: number;
  /** @default 0.0 */
  temperature?: number;
}

export interface ResolvedReasonOptions {
  input: string;
  output: string;
  model: string;
  template: ReasoningTemplate;
  numSequences: number;
  temperature: number;
}

/** See StageDeps. */
export type ReasonDeps = StageDeps;

export interface ReasonSummary {
  outputPath: string;
  rows: number;
  /** Rows found finished in the journal at start (journaled failures are re-sent, not counted). */
  resumed: number;
  /** True when the output already existed with no journal: nothing was sent. */
  alreadyComplete: boolean;
  /** Chat calls that finished (successfully or not) in this run. */
  requests: number;
  /** Rows of the output recorded as failures. */
  failures: number;
  /** Choices with `content: null` dropped in this run. */
  nullContents: number;
  promptTokens: number;
  completionTokens: number;
  ms: number;
}

/** One output row, key order as the original. */
export interface ReasonRow {
  index: unknown;
  input: string;
  context: string;
  answer: string;
  reasonings: string[];
  error?: string;
}

/** Interrupted by the caller's signal (Ctrl-C); the journal keeps what finished. */
export class ReasonInterruptedError extends KeychainError {
  override name = "ReasonInterruptedError";
  override readonly exitCode = 130;
}

export function resolveReasonOptions(o: ReasonOptions): ResolvedReasonOptions {
  const problems: string[] = [];
  const template = o.template ?? "basic";
  if (!REASONING_TEMPLATE_NAMES.includes(template))
    problems.push(
      `template must be one of ${REASONING_TEMPLATE_NAMES.join(", ")}, got ${JSON.stringify(template)}`,
    );
  const numSequences = o.numSequences ?? 1;
  if (!Number.isInteger(numSequences) || numSequences < 1)
    problems.push(`num sequences must be a positive integer, got ${numSequences}`);
  const temperature = o.temperature ?? 0;
  if (!(temperature >= 0)) problems.push(`temperature must be ≥ 0, got ${temperature}`);
  if (o.model === "") problems.push("a model name is needed");
  if (o.output === o.input) problems.push(`output must differ from the input "${o.input}"`);
  if (problems.length > 0) throw new ConfigError(`Invalid reason options: ${problems.join("; ")}.`);
  return { input: o.input, output: o.output, model: o.model, template, numSequences, temperature };
}

/** A validated input record. */
export interface ReasonRecord {
  index: unknown;
  input: string;
  context: string;
  answers: string[];
}

/** The user message of a record: the template filled with `question`, `context` and the first gold answer. */
export function reasonUserMessage(record: ReasonRecord, template: ReasoningTemplate): string {
  return fillTemplate(REASONING_TEMPLATES[template], {
    question: record.input,
    context: record.context,
    answer: record.answers[0] ?? "",
  });
}

/**
 * Whether a failed request means the run cannot go on rather than that this one prompt failed. Fatal: a
 * wrong key (401/403), a wrong model (404), a network failure after the retries (server unreachable or
 * down), anything that is not a {@link RemoteError} (a bug). Fatal failures stop the run with the journal
 * kept; the others (a status the server keeps giving for this prompt: 5xx after the retries, 400, …)
 * become failure rows.
 */
export function isFatalReasonFailure(error: unknown): boolean {
  if (!(error instanceof RemoteError)) return true;
  return error.status === undefined || error.status === 401 || error.status === 403 || error.status === 404;
}

/** Parses one JSONL line into a record; `position` is its 0-based place among records. */
export function parseReasonLine(text: string, position: number, place: { file: string; line: number }) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, place);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InputError(`expected a JSON object, got ${describeType(value)}`, place);
  const v = value as Record<string, unknown>;
  for (const field of ["input", "context"] as const)
    if (typeof v[field] !== "string")
      throw new InputError(`expected a string, got ${describeType(v[field])}`, { ...place, field });
  const answers = v.answers;
  if (!Array.isArray(answers) || answers.length === 0 || typeof answers[0] !== "string")
    throw new InputError(
      `expected a non-empty array of strings, got ${Array.isArray(answers) ? "an empty or non-string array" : describeType(answers)}`,
      { ...place, field: "answers" },
    );
  return {
    index: v.index ?? position,
    input: v.input as string,
    context: v.context as string,
    answers: answers as string[],
  } satisfies ReasonRecord;
}

async function readInput(path: string): Promise<{ records: ReasonRecord[]; hash: string; size: number }> {
  const { lines, hash, size } = await readStageInput(path);
  const records = lines.map(({ line, text }, position) =>
    parseReasonLine(text, position, { file: path, line }),
  );
  return { records, hash, size };
}

function journalHeader(o: ResolvedReasonOptions, input: { hash: string; size: number }): JournalHeader {
  const settings: Record<string, unknown> = {
    model: o.model,
    template: o.template,
    num_sequences: o.numSequences,
    temperature: o.temperature,
    input_size: input.size,
    input_sha256: input.hash,
  };
  return journalHeaderOf(REASON_JOURNAL_KIND, settings);
}

/** What the journal keeps per record: the reasonings, or the failure. */
interface ReasonResult {
  reasonings: string[];
  error?: string;
}

const isFailure = (e: JournalEntry | undefined): boolean => e !== undefined && "error" in e.r;

/**
 * Runs (or resumes) reasoning extraction. Records finish into `<output>.partial.jsonl`; journaled failures
 * are re-sent on resume. When every record is done the output is written in input order (temp file +
 * rename) and the journal removed. Throws {@link ReasonInterruptedError} on abort and a {@link RemoteError}
 * on a fatal failure ({@link isFatalReasonFailure}), both leaving the journal for the next start. The output's
 * lock (`<output>.lock`) is held throughout: a second run on the same output is refused with a {@link LockedError}.
 */
export async function runReason(options: ReasonOptions, deps: ReasonDeps): Promise<ReasonSummary> {
  const now = deps.now ?? Date.now;
  const t0 = now();
  const o = resolveReasonOptions(options);
  const journalPath = `${o.output}.partial.jsonl`;
  const { records, hash, size } = await readInput(o.input);
  const summary: ReasonSummary = {
    outputPath: o.output,
    rows: records.length,
    resumed: 0,
    alreadyComplete: false,
    requests: 0,
    failures: 0,
    nullContents: 0,
    promptTokens: 0,
    completionTokens: 0,
    ms: 0,
  };
  // One writer per output: a second run on it would share the journal and send every request twice.
  const what = `the reason output "${o.output}"`;
  return withLock(lockPathFor(o.output), { what }, async () => {
    const header = journalHeader(o, { hash, size });
    const existing = await readStageJournal(journalPath, header);
    if (existing === undefined && (await fileExists(o.output))) {
      summary.alreadyComplete = true;
      summary.resumed = records.length;
      summary.failures = await countFailureRows(o.output);
      summary.ms = now() - t0;
      return summary;
    }
    const done = existing?.entries ?? new Map<number, JournalEntry>();
    const pending = records.map((_, i) => i).filter((i) => !done.has(i) || isFailure(done.get(i)));
    summary.resumed = records.length - pending.length;

    const journal = await openStageJournal(journalPath, header, existing);
    await runJournaled({
      pending: pending.map((i) => ({ index: i, item: records[i] as ReasonRecord })),
      total: records.length,
      alreadyDone: summary.resumed,
      journal,
      journalPath,
      done,
      deps,
      stage: "Reasoning extraction",
      requests: "Reasoning",
      interrupted: (message) => new ReasonInterruptedError(message),
      work: async (record, signal) => {
        let r: ReasonResult;
        try {
          const result = await deps.pool.chat(
            {
              model: o.model,
              messages: [{ role: "user", content: reasonUserMessage(record, o.template) }],
              n: o.numSequences,
              temperature: o.temperature,
            },
            signal,
          );
          const texts = result.choices.filter((c): c is string => c !== null);
          summary.nullContents += result.choices.length - texts.length;
          summary.promptTokens += result.usage?.promptTokens ?? 0;
          summary.completionTokens += result.usage?.completionTokens ?? 0;
          r = { reasonings: texts };
        } catch (error) {
          // Stop the run on Ctrl-C or a failure no retry can cure; otherwise record this row as failed.
          if (signal.aborted || isFatalReasonFailure(error)) throw error;
          r = { reasonings: [], error: (error as Error).message };
        }
        summary.requests++;
        return r as unknown as Record<string, unknown>;
      },
    });

    await writeLinesAtomic(
      o.output,
      (function* () {
        for (const [i, record] of records.entries()) {
          const entry = done.get(i);
          if (entry === undefined) throw new Error(`reason: record ${i} missing after the run`);
          const r = entry.r as unknown as ReasonResult;
          if (r.error !== undefined) summary.failures++;
          yield JSON.stringify(reasonRow(record, r));
        }
      })(),
    );
    await rm(journalPath, { force: true });
    summary.ms = now() - t0;
    return summary;
  });
}

/** Rows of a finished output file that record a failure (they carry an `"error"` field), streamed. */
async function countFailureRows(path: string): Promise<number> {
  let failures = 0;
  for await (const { text } of readLines(path)) if (/"error":/.test(text)) failures++;
  return failures;
}

/** The output row of a record: `{index, input, context, answer, reasonings}` plus `error` on failure. */
export function reasonRow(record: ReasonRecord, r: ReasonResult): ReasonRow {
  const row: ReasonRow = {
    index: record.index,
    input: record.input,
    context: record.context,
    answer: record.answers[0] ?? "",
    reasonings: r.reasonings,
  };
  if (r.error !== undefined) row.error = r.error;
  return row;
}
