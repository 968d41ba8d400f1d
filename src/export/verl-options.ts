import type { KeychainPromptVariant } from "../prompt/templates.js";
import type { TokenCounter } from "../tokenizer/types.js";

/** What every verl export writes and asks of its rows, as a caller writes it (one file or a mix). */
export interface VerlWriteOptions {
  /** Folder that receives `train.parquet`, `test.parquet` and `valid.parquet`. */
  outDir: string;
  /** Most rows in valid.parquet, drawn (seeded) from the rows left after test. @default 100 */
  validSize?: number;
  /** KeyChain wording the rows must have. @default each record's own */
  promptVariant?: KeychainPromptVariant;
  /** System message the rows must have: `none`, `qwen_orz_boxed` or `@FILE`. @default each record's own */
  systemPrompt?: string;
  /** The chat template the trainer will apply (`auto` = the tokenizer's own, which needs `tokenizer`); every
   * record must have been measured with it. @default not checked (one file); the first record's (a mix) */
  chatTemplate?: string;
  /**
   * Records whose prompt would change (another system prompt or wording), that were measured with another
   * chat template, or that were written before prompts were stored, are counted again through the template
   * with `tokenizer`; those over their budget are dropped and counted, never written. Without it such records
   * stop the export. @default false
   */
  remeasure?: boolean;
  /** Counter for `remeasure` and for `chatTemplate: "auto"`. */
  tokenizer?: TokenCounter;
  /** Append `answer_aliases` not already among the answers to `ground_truth`. @default false */
  withAliases?: boolean;
  /** Most rows per parquet row group. @default 1000 */
  rowGroupRows?: number;
  /** Most prompt characters per parquet row group (bounds memory for long prompts). @default 2^26 */
  rowGroupChars?: number;
}

/** {@link VerlWriteOptions} with every data-independent default filled in (the tokenizer is passed apart). */
export interface ResolvedVerlWriteOptions {
  outDir: string;
  validSize: number;
  promptVariant: KeychainPromptVariant | undefined;
  systemPrompt: string | undefined;
  chatTemplate: string | undefined;
  remeasure: boolean;
  withAliases: boolean;
  rowGroupRows: number;
  rowGroupChars: number;
}

/** Every default of the verl exports' options, written once. */
export const EXPORT_VERL_DEFAULTS = {
  startIndex: 0,
  endIndex: -1,
  validSize: 100,
  seed: 42,
  remeasure: false,
  withAliases: false,
  allowShort: false,
  rowGroupRows: 1000,
  rowGroupChars: 1 << 26,
} as const;

/** Checks an optional integer option against its minimum, noting a problem; the default when absent. */
export type IntCheck = (name: string, value: number | undefined, fallback: number, min: number) => number;

/** An {@link IntCheck} that adds each problem to `problems`. */
export function intCheck(problems: string[]): IntCheck {
  return (name, value, fallback, min) => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value < min)
      problems.push(`${name} must be an integer ≥ ${min}, got ${value}`);
    return value;
  };
}

/** Check the options shared by every verl export and fill in their defaults; problems go to `problems`. */
export function resolveVerlWriteOptions(o: VerlWriteOptions, problems: string[]): ResolvedVerlWriteOptions {
  const int = intCheck(problems);
  const d = EXPORT_VERL_DEFAULTS;
  const r: ResolvedVerlWriteOptions = {
    outDir: o.outDir,
    validSize: int("validSize", o.validSize, d.validSize, 0),
    promptVariant: o.promptVariant,
    systemPrompt: o.systemPrompt,
    chatTemplate: o.chatTemplate,
    remeasure: o.remeasure ?? d.remeasure,
    withAliases: o.withAliases ?? d.withAliases,
    rowGroupRows: int("rowGroupRows", o.rowGroupRows, d.rowGroupRows, 1),
    rowGroupChars: int("rowGroupChars", o.rowGroupChars, d.rowGroupChars, 1),
  };
  if (r.promptVariant !== undefined && r.promptVariant !== "default" && r.promptVariant !== "find-first")
    problems.push(`promptVariant must be "default" or "find-first", got ${JSON.stringify(r.promptVariant)}`);
  if (r.remeasure && !o.tokenizer) problems.push("remeasure needs a tokenizer");
  if (r.chatTemplate === "auto" && !o.tokenizer)
    problems.push('chatTemplate "auto" (the tokenizer\'s own template) needs a tokenizer');
  return r;
}
