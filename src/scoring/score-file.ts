/** Scoring a JSONL file of model outputs: read, score every line, optionally write the scores and compare modes. */

import { readJsonLines } from "../corpus/json-lines.js";
import { ConfigError, describeType, InputError } from "../errors.js";
import { AtomicFile } from "../io/atomic.js";
import { SCORE_MODES, type ScoreMode } from "./options.js";
import { EXTRACTORS, type Extractor, scoreTrajectory } from "./trajectory.js";

/** What callers write. */
export interface ScoreFileOptions {
  /** `auto`: `thinking` when the text has `</think>`, else `answer-is`. @default "auto" */
  extractor?: Extractor | "auto";
  /** @default "default" */
  mode?: ScoreMode;
  /** Field holding the model output. @default "text" */
  textField?: string;
  /** Write each line with its `score` to this file, atomically. @default no file */
  out?: string;
  /** Also score in the other mode and list every line where sub_em differs. @default false */
  compare?: boolean;
}

/** {@link ScoreFileOptions} with every default filled in. */
export interface ResolvedScoreFileOptions {
  extractor: Extractor | "auto";
  mode: ScoreMode;
  textField: string;
  out: string | undefined;
  compare: boolean;
}

/** Scores of one file: means over lines, and default-vs-compat differences when asked. */
export interface ScoreSummary {
  path: string;
  lines: number;
  extracted: number;
  mean: { sub_em: number; em: number; f1: number };
  differences?: {
    line: number;
    extracted: string | null;
    golds: string[];
    compat: number;
    default: number;
  }[];
}

/** The defaults {@link resolveScoreFileOptions} fills in. */
export const SCORE_FILE_DEFAULTS = {
  extractor: "auto",
  mode: "default",
  textField: "text",
  compare: false,
} as const satisfies Omit<ResolvedScoreFileOptions, "out">;

/** Checks the options and fills in the defaults; reports every problem at once. */
export function resolveScoreFileOptions(o: ScoreFileOptions = {}): ResolvedScoreFileOptions {
  const problems: string[] = [];
  const d = SCORE_FILE_DEFAULTS;
  const extractor = o.extractor ?? d.extractor;
  if (extractor !== "auto" && !EXTRACTORS.includes(extractor))
    problems.push(`extractor must be thinking, answer-is or auto, got ${JSON.stringify(extractor)}`);
  const mode = o.mode ?? d.mode;
  if (!SCORE_MODES.includes(mode))
    problems.push(`mode must be default or compat, got ${JSON.stringify(mode)}`);
  if (problems.length > 0) throw new ConfigError(`Invalid score options: ${problems.join("; ")}.`);
  return {
    extractor,
    mode,
    textField: o.textField ?? d.textField,
    out: o.out,
    compare: o.compare ?? d.compare,
  };
}

interface Row {
  line: number;
  text: string;
  golds: string[];
  aliases: string[];
  value: Record<string, unknown>;
}

function strings(value: unknown, place: { file: string; line: number }, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new InputError(`expected an array of strings, got ${describeType(value)}`, { ...place, field });
  return value as string[];
}

/** The lines of `path`: the output at `textField`, the golds (`gold`, else `answers`) and `answer_aliases`. */
async function* rows(path: string, textField: string): AsyncGenerator<Row> {
  for await (const raw of readJsonLines(path)) {
    const place = { file: path, line: raw.place.line ?? 0 };
    const v = raw.value as Record<string, unknown>;
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new InputError(`expected an object, got ${describeType(v)}`, place);
    const text = v[textField];
    if (typeof text !== "string")
      throw new InputError(`expected a string, got ${describeType(text)}`, { ...place, field: textField });
    const goldField = "gold" in v ? "gold" : "answers";
    const golds = strings(v[goldField], place, goldField);
    const aliases = "answer_aliases" in v ? strings(v.answer_aliases, place, "answer_aliases") : [];
    yield { line: place.line, text, golds, aliases, value: v };
  }
}

/**
 * Scores every line of a JSONL file of model outputs (`text` + `gold` or `answers`). With `out`, writes each
 * line with its `score` (the scored trajectory without its text), atomically: nothing is left on error.
 */
export async function scoreFile(path: string, options: ScoreFileOptions = {}): Promise<ScoreSummary> {
  const o = resolveScoreFileOptions(options);
  const s: ScoreSummary = { path, lines: 0, extracted: 0, mean: { sub_em: 0, em: 0, f1: 0 } };
  if (o.compare) s.differences = [];
  const file = o.out ? await AtomicFile.open(o.out) : undefined;
  try {
    for await (const r of rows(path, o.textField)) {
      const extractor: Extractor =
        o.extractor === "auto" ? (r.text.includes("</think>") ? "thinking" : "answer-is") : o.extractor;
      const scored = scoreTrajectory(r.text, r.golds, { extractor, mode: o.mode, aliases: r.aliases });
      s.lines++;
      if (scored.extracted_answer !== null) s.extracted++;
      s.mean.sub_em += scored.sub_em;
      s.mean.em += scored.em;
      s.mean.f1 += scored.f1;
      if (o.compare) {
        const other = scoreTrajectory(r.text, r.golds, {
          extractor,
          mode: o.mode === "compat" ? "default" : "compat",
          aliases: r.aliases,
        });
        const compat = o.mode === "compat" ? scored.sub_em : other.sub_em;
        const dflt = o.mode === "compat" ? other.sub_em : scored.sub_em;
        if (compat !== dflt)
          s.differences?.push({
            line: r.line,
            extracted: scored.extracted_answer,
            golds: r.golds,
            compat,
            default: dflt,
          });
      }
      if (file) {
        const { text: _text, ...score } = scored;
        await file.write(`${JSON.stringify({ ...r.value, score })}\n`);
      }
    }
    await file?.commit();
  } catch (e) {
    await file?.abort();
    throw e;
  }
  if (s.lines > 0) for (const k of ["sub_em", "em", "f1"] as const) s.mean[k] /= s.lines;
  return s;
}
