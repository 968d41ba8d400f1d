import { FieldReader } from "../corpus/fields.js";
import { formatPlace, InputError } from "../errors.js";
import { type ExportRecord, parseExportLine } from "../export/records.js";
import { readJsonlTexts } from "../io/lines.js";
import { readMessages } from "../prompt/messages.js";

/** One scored trajectory as a rollout file holds it. */
export interface RolloutTrajectory {
  text: string;
  extracted_answer: string | null;
  sub_em: number;
  em: number;
  f1: number;
  is_correct: number;
  /** The thinking the server returned apart from `text`; absent when it returned none. */
  reasoning_content?: string;
}

/** A record of a rollout output file: the input record plus its scored trajectories. */
export interface RolloutRecord {
  record: ExportRecord & { sourceIndex: number; length: number };
  /** The model that wrote the trajectories, as the rollout recorded it (e.g. `Qwen/Qwen3-8B`). */
  model?: string;
  trajectories: RolloutTrajectory[];
}

/** A line that could not be used, with why; never dropped silently. */
export interface BadLine {
  /** 1-based line number. */
  line: number;
  /** The offending field, when one is to blame. */
  field?: string;
  /** What is wrong, without the file/line lead-in. */
  reason: string;
}

export type RolloutLine = { line: number; ok: true; value: RolloutRecord } | ({ ok: false } & BadLine);

/**
 * The records of a rollout output file (`rollout` writes them: the input record, `model`, `trajectories`,
 * `num_correct`, `pass_rate`), streamed in file order. Blank lines are skipped; a line that is not JSON or
 * lacks a needed field (`id`, `input`, `answers`, the context, `source_index`, `length`, `trajectories` and
 * their scores) comes back as a {@link BadLine} so the caller can report it. `model` and each trajectory's
 * `reasoning_content` are optional; when present they must be strings (`null` counts as absent).
 */
export async function* readRolloutFile(path: string): AsyncGenerator<RolloutLine> {
  try {
    for await (const { line, json } of readJsonlTexts(path)) {
      try {
        yield { line, ok: true, value: parseRolloutLine(json, { file: path, line }) };
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        const bad: BadLine = { line, reason: e.message.slice(formatPlace(e.place).length) };
        if (e.place.field !== undefined) bad.field = e.place.field;
        yield { ok: false, ...bad };
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR")
      throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
    throw e;
  }
}

/**
 * The `model` of the first usable record of a rollout file that names one, with its 1-based line;
 * `undefined` when no record does. Reads no further than that record.
 */
export async function readRolloutModel(path: string): Promise<{ model: string; line: number } | undefined> {
  for await (const line of readRolloutFile(path))
    if (line.ok && line.value.model !== undefined) return { model: line.value.model, line: line.line };
  return undefined;
}

/** Parse one rollout line; throws an {@link InputError} naming the field at fault. */
export function parseRolloutLine(text: string, place: { file: string; line: number }): RolloutRecord {
  const record = parseExportLine(text, undefined, place);
  const o = JSON.parse(text) as Record<string, unknown>;
  const f = new FieldReader(place).withId(record.id);
  // What the rollout sent, when it was not the stored prompt (the answer-is prompt, another system message).
  if (o.rollout_prompt !== undefined) record.prompt = readMessages(o.rollout_prompt, "rollout_prompt", f);
  if (record.sourceIndex === undefined)
    throw f.error("source_index", "expected a non-negative integer, but the field is missing");
  if (record.length === undefined)
    throw f.error("length", "expected a non-negative integer, but the field is missing");
  const trajectories = f.array(o.trajectories, "trajectories").map((t, i) => {
    const at = `trajectories[${i}]`;
    const r = f.object(t, at);
    const extracted = r.extracted_answer;
    const trajectory: RolloutTrajectory = {
      text: f.string(r.text, `${at}.text`),
      extracted_answer: extracted === null ? null : f.string(extracted, `${at}.extracted_answer`),
      sub_em: score(f, r.sub_em, `${at}.sub_em`),
      em: score(f, r.em, `${at}.em`),
      f1: score(f, r.f1, `${at}.f1`),
      is_correct: score(f, r.is_correct, `${at}.is_correct`),
    };
    const reasoning = f.optionalString(r.reasoning_content ?? undefined, `${at}.reasoning_content`);
    if (reasoning !== undefined) trajectory.reasoning_content = reasoning;
    return trajectory;
  });
  const model = f.optionalString(o.model ?? undefined, "model");
  if (model === "") throw f.error("model", "expected the name of the rollout model, got an empty string");
  return {
    record: { ...record, sourceIndex: record.sourceIndex, length: record.length },
    ...(model === undefined ? {} : { model }),
    trajectories,
  };
}

function score(f: FieldReader, value: unknown, field: string): number {
  if (typeof value === "number" && value >= 0 && value <= 1) return value;
  const got =
    value === undefined ? "but the field is missing" : `got ${JSON.stringify(value) ?? String(value)}`;
  throw f.error(field, `expected a number in [0, 1], ${got}`);
}
