import type { Command } from "commander";
import { readJsonLines } from "../corpus/json-lines.js";
import { ConfigError, describeType, InputError } from "../errors.js";
import { AtomicFile } from "../io/atomic.js";
import { type Extractor, type ScoreMode, scoreTrajectory } from "../scoring/index.js";

type Opts = Record<string, unknown>;

interface Row {
  line: number;
  text: string;
  golds: string[];
  aliases: string[];
  value: Record<string, unknown>;
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

function strings(value: unknown, place: { file: string; line: number }, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new InputError(`expected an array of strings, got ${describeType(value)}`, { ...place, field });
  return value as string[];
}

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

/** Score every line of a JSONL file of model outputs (`text` + `gold` or `answers`). */
export async function scoreFile(
  path: string,
  options: {
    extractor: Extractor | "auto";
    mode: ScoreMode;
    textField: string;
    out?: string;
    compare: boolean;
  },
): Promise<ScoreSummary> {
  const s: ScoreSummary = { path, lines: 0, extracted: 0, mean: { sub_em: 0, em: 0, f1: 0 } };
  if (options.compare) s.differences = [];
  const file = options.out ? await AtomicFile.open(options.out) : undefined;
  try {
    for await (const r of rows(path, options.textField)) {
      const extractor: Extractor =
        options.extractor === "auto"
          ? r.text.includes("</think>")
            ? "thinking"
            : "answer-is"
          : options.extractor;
      const scored = scoreTrajectory(r.text, r.golds, { extractor, mode: options.mode, aliases: r.aliases });
      s.lines++;
      if (scored.extracted_answer !== null) s.extracted++;
      s.mean.sub_em += scored.sub_em;
      s.mean.em += scored.em;
      s.mean.f1 += scored.f1;
      if (options.compare) {
        const other = scoreTrajectory(r.text, r.golds, {
          extractor,
          mode: options.mode === "compat" ? "default" : "compat",
          aliases: r.aliases,
        });
        const compat = options.mode === "compat" ? scored.sub_em : other.sub_em;
        const dflt = options.mode === "compat" ? other.sub_em : scored.sub_em;
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

export function registerScore(program: Command): void {
  program
    .command("score")
    .description(
      'Score model outputs against gold answers: extract the answer (thinking: last \\boxed{} after </think>; answer-is: after the last "the answer is") and compute sub_em, em and f1',
    )
    .argument(
      "<files...>",
      "JSONL files with `text` and `gold` (or `answers`, plus optional `answer_aliases`) per line",
    )
    .option("--extractor <name>", "thinking | answer-is | auto (thinking when the text has </think>)", "auto")
    .option(
      "--mode <mode>",
      "default (fixes the original's reward holes) | compat (reproduces the original exactly)",
      "default",
    )
    .option("--text-field <name>", "field holding the model output", "text")
    .option("-o, --out <file>", "write each line with its `score` (one input file only)")
    .option("--compare", "also score in the other mode and list every line where sub_em differs", false)
    .action(async (files: string[], o: Opts) => {
      const extractor = o.extractor as string;
      if (!["thinking", "answer-is", "auto"].includes(extractor))
        throw new ConfigError(
          `--extractor must be thinking, answer-is or auto, got ${JSON.stringify(extractor)}`,
        );
      const mode = o.mode as string;
      if (mode !== "default" && mode !== "compat")
        throw new ConfigError(`--mode must be default or compat, got ${JSON.stringify(mode)}`);
      if (o.out !== undefined && files.length !== 1) throw new ConfigError("--out takes a single input file");
      for (const path of files) {
        const s = await scoreFile(path, {
          extractor: extractor as Extractor | "auto",
          mode,
          textField: o.textField as string,
          compare: o.compare as boolean,
          ...(o.out ? { out: o.out as string } : {}),
        });
        process.stdout.write(
          `${path}: ${s.lines} lines, answer extracted from ${s.extracted}; mean sub_em ${s.mean.sub_em.toFixed(4)}, em ${s.mean.em.toFixed(4)}, f1 ${s.mean.f1.toFixed(4)} (${mode})\n`,
        );
        if (s.differences) {
          process.stdout.write(
            `  sub_em differs between default and compat on ${s.differences.length} lines\n`,
          );
          for (const d of s.differences)
            process.stdout.write(
              `  line ${d.line}: extracted ${JSON.stringify(d.extracted)}, gold ${JSON.stringify(d.golds)}: compat ${d.compat}, default ${d.default}\n`,
            );
        }
      }
    });
}
