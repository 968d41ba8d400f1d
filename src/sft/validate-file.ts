import { InputError } from "../errors.js";
import { readJsonlTexts } from "../io/lines.js";
import type { TokenCounter } from "../tokenizer/types.js";
import { messagesRowSchema, schemaProblems, swiftRowSchema } from "./swift-schema.js";
import { type LengthStats, lengthStats } from "./token-stats.js";
import { validateSwiftRow } from "./validate-row.js";

/** Which layer-2 schema rows are checked against. */
export type RowSchemaName = "swift" | "messages";
export const ROW_SCHEMAS: readonly RowSchemaName[] = ["swift", "messages"];

/** The defaults {@link validateSwiftFile} fills in. */
export const VALIDATE_FILE_DEFAULTS = {
  schema: "swift",
  maxErrors: Number.POSITIVE_INFINITY,
} as const satisfies { schema: RowSchemaName; maxErrors: number };

export interface ValidateFileOptions {
  /** `swift`: every SwiftRow field; `messages`: only the conversation. @default "swift" */
  schema?: RowSchemaName;
  /** Keep at most this many errors in the result (all are counted). @default Infinity */
  maxErrors?: number;
  /** Token lengths are summarised when given. @default undefined (no token summary) */
  counter?: TokenCounter;
}

export interface RowError {
  line: number;
  message: string;
}

export interface TokenSummary {
  /** Tokens of every message's content, summed (no chat template). */
  conversation: LengthStats;
  /** Tokens of the assistant messages' content, summed. */
  assistant: LengthStats;
}

export interface ValidateFileResult {
  file: string;
  /** Non-blank lines. */
  rows: number;
  /** Rows with at least one error. */
  badRows: number;
  /** All errors found. */
  errorCount: number;
  /** The first `maxErrors` errors, in file order. */
  errors: RowError[];
  /** Over the rows whose `messages` could be read; present when a counter was given. */
  tokens?: TokenSummary;
}

const BATCH = 256;
/** …or fewer when their text reaches this many characters, to bound memory on long rows. */
const BATCH_CHARS = 4_000_000;

/**
 * Checks an SFT file row by row: JSON, then the original's rule checks ({@link validateSwiftRow}, exact
 * messages), then the schema (`swift` or `messages`). With a counter, also summarises token lengths.
 */
export async function validateSwiftFile(
  path: string,
  o: ValidateFileOptions = {},
): Promise<ValidateFileResult> {
  const d = VALIDATE_FILE_DEFAULTS;
  const schema = (o.schema ?? d.schema) === "swift" ? swiftRowSchema : messagesRowSchema;
  const maxErrors = o.maxErrors ?? d.maxErrors;
  const result: ValidateFileResult = { file: path, rows: 0, badRows: 0, errorCount: 0, errors: [] };
  const conversation: number[] = [];
  const assistant: number[] = [];
  let pending: { role: string; content: string }[][] = [];
  let pendingChars = 0;
  // One batch is counted (on the tokenizer's native threads) while the next is read and parsed.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    await inFlight;
    if (o.counter === undefined || pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingChars = 0;
    inFlight = o.counter.countBatch(batch.flat().map((m) => m.content)).then((counts) => {
      let at = 0;
      for (const messages of batch) {
        let all = 0;
        let answer = 0;
        for (const m of messages) {
          const n = counts[at++] ?? 0;
          all += n;
          if (m.role === "assistant") answer += n;
        }
        conversation.push(all);
        assistant.push(answer);
      }
    });
    // A failure surfaces at the next flush; until then it must not count as unhandled.
    inFlight.catch(() => {});
  };
  try {
    for await (const { line, json } of readJsonlTexts(path)) {
      result.rows++;
      const problems = checkLine(json, schema);
      if (problems.errors.length > 0) {
        result.badRows++;
        for (const message of problems.errors) {
          result.errorCount++;
          if (result.errors.length < maxErrors) result.errors.push({ line, message });
        }
      }
      if (problems.messages !== undefined && o.counter !== undefined) {
        pending.push(problems.messages);
        for (const m of problems.messages) pendingChars += m.content.length;
        if (pending.length >= BATCH || pendingChars >= BATCH_CHARS) await flush();
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
    throw e;
  }
  await flush();
  await inFlight;
  if (o.counter !== undefined)
    result.tokens = { conversation: lengthStats(conversation), assistant: lengthStats(assistant) };
  return result;
}

/** The errors of one line, and its messages when they can be counted. */
function checkLine(
  json: string,
  schema: typeof swiftRowSchema | typeof messagesRowSchema,
): { errors: string[]; messages?: { role: string; content: string }[] } {
  let row: unknown;
  try {
    row = JSON.parse(json);
  } catch (e) {
    return { errors: [`not valid JSON: ${(e as Error).message}`] };
  }
  const rules = validateSwiftRow(row);
  const typed = schemaProblems(schema, row).filter((p) => !rules.includes(p));
  const errors = [...rules, ...typed];
  const messages = (row as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return { errors };
  const countable = messages
    .filter((m): m is { role: unknown; content: string } => typeof m?.content === "string")
    .map((m) => ({ role: String(m.role), content: m.content }));
  return { errors, messages: countable };
}
