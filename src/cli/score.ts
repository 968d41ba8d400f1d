import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import {
  EXTRACTORS,
  type Extractor,
  SCORE_MODES,
  type ScoreMode,
  type ScoreSummary,
  scoreFile,
} from "../scoring/index.js";
import { SCORE_FILE_DEFAULTS } from "../scoring/score-file.js";
import { printJson } from "./synthesis.js";

/** The flags of `score`, parsed by commander. */
interface ScoreFlags {
  extractor: Extractor | "auto";
  mode: ScoreMode;
  textField: string;
  out?: string;
  compare: boolean;
  quiet: boolean;
  json: boolean;
}

const EXTRACTOR_CHOICES: readonly (Extractor | "auto")[] = [...EXTRACTORS, "auto"];

function extractorOption(value: string): Extractor | "auto" {
  const extractor = EXTRACTOR_CHOICES.find((e) => e === value);
  if (extractor === undefined)
    throw new ConfigError(`--extractor must be thinking, answer-is or auto, got ${JSON.stringify(value)}`);
  return extractor;
}

function modeOption(value: string): ScoreMode {
  const mode = SCORE_MODES.find((m) => m === value);
  if (mode === undefined)
    throw new ConfigError(`--mode must be default or compat, got ${JSON.stringify(value)}`);
  return mode;
}

function formatScore(s: ScoreSummary, mode: ScoreMode): string {
  let text = `${s.path}: ${s.lines} lines, answer extracted from ${s.extracted}; mean sub_em ${s.mean.sub_em.toFixed(4)}, em ${s.mean.em.toFixed(4)}, f1 ${s.mean.f1.toFixed(4)} (${mode})\n`;
  if (s.differences) {
    text += `  sub_em differs between default and compat on ${s.differences.length} lines\n`;
    for (const d of s.differences)
      text += `  line ${d.line}: extracted ${JSON.stringify(d.extracted)}, gold ${JSON.stringify(d.golds)}: compat ${d.compat}, default ${d.default}\n`;
  }
  return text;
}

export function registerScore(program: Command): void {
  const D = SCORE_FILE_DEFAULTS;
  program
    .command("score")
    .description(
      'Score model outputs against gold answers: extract the answer (thinking: last \\boxed{} after </think>; answer-is: after the last "the answer is") and compute sub_em, em and f1',
    )
    .argument(
      "<files...>",
      "JSONL files with `text` and `gold` (or `answers`, plus optional `answer_aliases`) per line",
    )
    .option(
      "--extractor <name>",
      "thinking | answer-is | auto (thinking when the text has </think>)",
      extractorOption,
      D.extractor,
    )
    .option(
      "--mode <mode>",
      "default (fixes the original's reward holes) | compat (reproduces the original exactly)",
      modeOption,
      D.mode,
    )
    .option("--text-field <name>", "field holding the model output", D.textField)
    .option("-o, --out <file>", "write each line with its `score` (one input file only)")
    .option("--compare", "also score in the other mode and list every line where sub_em differs", D.compare)
    .option("-q, --quiet", "no progress or notes on stderr (results and errors are still printed)", false)
    .option("--json", "print the scores as JSON", false)
    .action(async (files: string[], o: ScoreFlags) => {
      if (o.out !== undefined && files.length !== 1) throw new ConfigError("--out takes a single input file");
      const summaries: ScoreSummary[] = [];
      for (const path of files) {
        const s = await scoreFile(path, {
          extractor: o.extractor,
          mode: o.mode,
          textField: o.textField,
          compare: o.compare,
          ...(o.out ? { out: o.out } : {}),
        });
        if (!o.json) process.stdout.write(formatScore(s, o.mode));
        summaries.push(s);
      }
      if (o.json) printJson({ mode: o.mode, files: summaries });
    });
}
