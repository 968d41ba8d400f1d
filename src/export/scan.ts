/** Pass 1 of a verl export: every record of an input read and checked, keeping only ids (not prompts). */

import { ConfigError, InputError } from "../errors.js";
import { readLines } from "../io/lines.js";
import { type PromptAsk, rowNeed } from "./prompt-check.js";
import { type ExportKind, type ExportRecord, parseExportLine } from "./records.js";

/** One input after pass 1: its kind, each row's question id, and what its records need. */
export interface InputScan {
  input: string;
  kind: ExportKind;
  /** Question id of each row (non-blank line), in file order. */
  ids: string[];
  /** Line of the first record. */
  firstLine: number;
  /** Records without a stored prompt (rendered from their fields). */
  renderedPrompts: number;
  /** Records that would need re-measuring although the export does not re-measure (0 when it does). */
  mismatched: number;
  /** The first of them: where and why. */
  firstMismatch: string | undefined;
}

/**
 * Read every record of `input`, check it (malformed records throw an {@link InputError} naming the line), and
 * note each against `ask` (see {@link rowNeed}). Only the ids are kept: prompts never stay in memory.
 */
export async function scanInput(input: string, ask: PromptAsk, remeasure: boolean): Promise<InputScan> {
  let kind: ExportKind | undefined;
  const ids: string[] = [];
  let firstLine = 0;
  let renderedPrompts = 0;
  let mismatched = 0;
  let firstMismatch: string | undefined;
  for await (const { line, text } of readLines(input)) {
    if (text.trim() === "") continue;
    const record = parseExportLine(text, kind, { file: input, line });
    if (kind === undefined) {
      kind = record.kind;
      firstLine = line;
    }
    if (record.promptRendered) renderedPrompts++;
    const need = rowNeed(record, ask);
    if (need.remeasure !== undefined && !remeasure) {
      mismatched++;
      firstMismatch ??= `line ${line} (id "${record.id}"): ${need.remeasure}`;
    }
    ids.push(record.id);
  }
  if (kind === undefined) throw new InputError("no records: the file is empty", { file: input });
  return { input, kind, ids, firstLine, renderedPrompts, mismatched, firstMismatch };
}

/**
 * The error for inputs whose records were not measured for the prompt asked (one sentence per such input,
 * then `hint`), or undefined when there are none.
 */
export function mismatchError(scans: readonly InputScan[], hint: string): ConfigError | undefined {
  const parts = scans
    .filter((s) => s.mismatched > 0)
    .map(
      (s) =>
        `${s.mismatched} of ${s.ids.length} records of "${s.input}" were not measured for the prompt this export asks for, so their prompt_length would not hold in the trainer; first: ${s.firstMismatch}.`,
    );
  return parts.length === 0 ? undefined : new ConfigError(`${parts.join(" ")} ${hint}`);
}

/** The first record of `input` (to learn what a mix's rows are measured with before pass 1). */
export async function firstRecord(input: string): Promise<ExportRecord> {
  for await (const { line, text } of readLines(input)) {
    if (text.trim() !== "") return parseExportLine(text, undefined, { file: input, line });
  }
  throw new InputError("no records: the file is empty", { file: input });
}
