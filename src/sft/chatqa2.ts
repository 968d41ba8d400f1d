import { join } from "node:path";
import { FieldReader } from "../corpus/fields.js";
import { ConfigError, formatPlace, InputError } from "../errors.js";
import { writeAtomic } from "../io/atomic.js";
import { pySplit } from "../scoring/python-text.js";
import type { TokenCounter } from "../tokenizer/types.js";
import type { BadLine } from "./rollout-file.js";
import type { SwiftMessage } from "./row.js";
import { readSummarySource } from "./summary-source.js";

export const CHATQA2_SOURCE = "nvidia/ChatQA2-Long-SFT-data";
export const CHATQA2_DATASET = "chatqa2_summary";

/** The original's summary requests, matched in the lowercase end of the question. */
export const DEFAULT_SUMMARY_KEYWORDS: readonly string[] = [
  "can you write an appropriate summary",
  "write a summary",
  "summarize the above",
  "provide a summary",
  "write an appropriate summary",
];

/** The defaults {@link resolveExtractSummariesOptions} fills in. */
export const EXTRACT_SUMMARIES_DEFAULTS = {
  split: "train",
  keywords: DEFAULT_SUMMARY_KEYWORDS,
  keywordTail: 300,
  minInputTokens: 4096,
  minOutputTokens: 20,
  questionField: "question",
  answerField: "answers",
} as const;

/** What callers write. */
export interface ExtractSummariesOptions {
  /** Local copy of the `long_sft` split: parquet, JSON array or JSON Lines. */
  input: string;
  /** Output folder. */
  outDir: string;
  /** Split name, used in the output name only. @default "train" */
  split?: string;
  /** Phrases that mark a summary request (matched case-insensitively). @default DEFAULT_SUMMARY_KEYWORDS */
  keywords?: readonly string[];
  /** How many characters (code points) at the end of the question are searched. @default 300 */
  keywordTail?: number;
  /** Keep rows whose user message has at least this many tokens. @default 4096 */
  minInputTokens?: number;
  /** Keep rows whose answer has at least this many tokens. @default 20 */
  minOutputTokens?: number;
  /** Column with the prompt. @default "question" */
  questionField?: string;
  /** Column with the answer (a string or a list whose first item is used). @default "answers" */
  answerField?: string;
}

/** Every default filled in. */
export interface ResolvedExtractSummariesOptions {
  input: string;
  outDir: string;
  split: string;
  keywords: string[];
  keywordTail: number;
  minInputTokens: number;
  minOutputTokens: number;
  questionField: string;
  answerField: string;
}

export interface ExtractSummariesDeps {
  /** Counts the tokens of the user message and the answer (no special tokens). */
  counter: TokenCounter;
  /** Called after each batch with the rows read so far. */
  onProgress?: (read: number) => void;
}

export interface ExtractSummariesSummary {
  outputPath: string;
  /** Rows read. */
  read: number;
  /** Rows whose fields could not be used (not JSON, question not a string, answer neither string nor list). */
  badRows: BadLine[];
  /** Rows after the keyword filter. */
  afterKeywords: number;
  /** …with a non-empty question and answer after cleaning. */
  afterCleaning: number;
  /** …with at least `minInputTokens` input tokens. */
  afterInputTokens: number;
  /** …with at least `minOutputTokens` answer tokens: the rows written. */
  afterOutputTokens: number;
}

/** One output row. */
export interface SummaryRow {
  messages: SwiftMessage[];
  dataset: typeof CHATQA2_DATASET;
  source: typeof CHATQA2_SOURCE;
  /** Words of the answer, split on whitespace as Python's `str.split()` does. */
  word_count: number;
}

export function resolveExtractSummariesOptions(o: ExtractSummariesOptions): ResolvedExtractSummariesOptions {
  const problems: string[] = [];
  const d = EXTRACT_SUMMARIES_DEFAULTS;
  const keywords = [...(o.keywords ?? d.keywords)].map((k) => k.toLowerCase());
  if (keywords.length === 0 || keywords.some((k) => k === ""))
    problems.push("keywords must be one or more non-empty phrases");
  const keywordTail = o.keywordTail ?? d.keywordTail;
  const minInputTokens = o.minInputTokens ?? d.minInputTokens;
  const minOutputTokens = o.minOutputTokens ?? d.minOutputTokens;
  for (const [name, v] of [
    ["keyword tail", keywordTail],
    ["min input tokens", minInputTokens],
    ["min output tokens", minOutputTokens],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0) problems.push(`${name} must be an integer ≥ 0, got ${v}`);
  const split = o.split ?? d.split;
  if (!/^[\w.-]+$/.test(split)) problems.push(`split must be a plain name, got ${JSON.stringify(split)}`);
  if (problems.length > 0)
    throw new ConfigError(`Invalid extract-summaries options: ${problems.join("; ")}.`);
  return {
    input: o.input,
    outDir: o.outDir,
    split,
    keywords,
    keywordTail,
    minInputTokens,
    minOutputTokens,
    questionField: o.questionField ?? d.questionField,
    answerField: o.answerField ?? d.answerField,
  };
}

/** Whether one of `keywords` (lowercase) occurs in the lowercased last `tail` code points of `question`. */
export function hasSummaryKeyword(question: string, keywords: readonly string[], tail: number): boolean {
  if (tail === 0) return false;
  const end = Array.from(question.slice(-2 * tail))
    .slice(-tail)
    .join("")
    .toLowerCase();
  return keywords.some((k) => end.includes(k));
}

const ASSISTANT_SUFFIXES = ["\n\nAssistant:", "\nAssistant:", "Assistant:"];
/** Python's whitespace (`str.isspace()`), for `rstrip`; it includes the control characters U+001C–U+001F. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts \x1c-\x1f as whitespace
const TRAILING_WS = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** The user message: a leading `"User: "` and a trailing `Assistant:` turn marker removed, then right-stripped. */
export function cleanSummaryQuestion(question: string): string {
  let q = question.startsWith("User: ") ? question.slice("User: ".length) : question;
  const suffix = ASSISTANT_SUFFIXES.find((s) => q.endsWith(s));
  if (suffix !== undefined) q = q.slice(0, -suffix.length);
  return q.replace(TRAILING_WS, "");
}

interface Candidate {
  question: string;
  answer: string;
}

const BATCH = 64;

/**
 * Summarisation rows from ChatQA2's `long_sft` (§11.5): keyword filter on the end of the question, cleaning,
 * then token-length filters on the user message and the answer. Writes `{outDir}/long_sft_{split}_summary.jsonl`
 * atomically, in input order, and returns the count after each filter.
 */
export async function extractSummaries(
  options: ExtractSummariesOptions,
  deps: ExtractSummariesDeps,
): Promise<ExtractSummariesSummary> {
  const o = resolveExtractSummariesOptions(options);
  const outputPath = join(o.outDir, `long_sft_${o.split}_summary.jsonl`);
  const summary: ExtractSummariesSummary = {
    outputPath,
    read: 0,
    badRows: [],
    afterKeywords: 0,
    afterCleaning: 0,
    afterInputTokens: 0,
    afterOutputTokens: 0,
  };
  await writeAtomic(outputPath, async (file) => {
    let batch: Candidate[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const counts = await deps.counter.countBatch(batch.flatMap((c) => [c.question, c.answer]));
      for (const [i, c] of batch.entries()) {
        if ((counts[2 * i] ?? 0) < o.minInputTokens) continue;
        summary.afterInputTokens++;
        if ((counts[2 * i + 1] ?? 0) < o.minOutputTokens) continue;
        summary.afterOutputTokens++;
        await file.write(`${JSON.stringify(summaryRow(c))}\n`);
      }
      batch = [];
      deps.onProgress?.(summary.read);
    };
    for await (const raw of readRows(o, summary)) {
      if (raw === undefined) continue;
      if (!hasSummaryKeyword(raw.question, o.keywords, o.keywordTail)) continue;
      summary.afterKeywords++;
      const question = cleanSummaryQuestion(raw.question);
      if (question === "" || raw.answer === "") continue;
      summary.afterCleaning++;
      batch.push({ question, answer: raw.answer });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  });
  return summary;
}

/** The rows' question and answer; `undefined` for a bad row (recorded in the summary). */
async function* readRows(
  o: ResolvedExtractSummariesOptions,
  summary: ExtractSummariesSummary,
): AsyncGenerator<Candidate | undefined> {
  for await (const raw of readSummarySource(o.input, { question: o.questionField, answer: o.answerField })) {
    summary.read++;
    const line = raw.place.line ?? raw.place.record ?? raw.index + 1;
    if ("error" in raw) {
      summary.badRows.push({ line, reason: raw.error });
      yield undefined;
      continue;
    }
    const f = new FieldReader(raw.place);
    try {
      const r = f.object(raw.value);
      const question = f.string(r[o.questionField], o.questionField);
      const a = r[o.answerField];
      const answer = Array.isArray(a) ? firstAnswer(f, a, o.answerField) : f.string(a, o.answerField);
      yield { question, answer };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const bad: BadLine = { line, reason: e.message.slice(formatPlace(e.place).length) };
      if (e.place.field !== undefined) bad.field = e.place.field;
      summary.badRows.push(bad);
      yield undefined;
    }
  }
}

/** A list answer becomes its first element (an empty list, an empty answer). */
function firstAnswer(f: FieldReader, list: unknown[], field: string): string {
  return list.length === 0 ? "" : f.string(list[0], `${field}[0]`);
}

function summaryRow(c: Candidate): SummaryRow {
  return {
    messages: [
      { role: "user", content: c.question },
      { role: "assistant", content: c.answer },
    ],
    dataset: CHATQA2_DATASET,
    source: CHATQA2_SOURCE,
    word_count: pySplit(c.answer).length,
  };
}
