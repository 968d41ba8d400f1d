import type { Command } from "commander";
import { ConfigError } from "../errors.js";
import { type Extractor, scoreFile } from "../scoring/index.js";

type Opts = Record<string, unknown>;

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
