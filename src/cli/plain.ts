import type { Command } from "commander";
import { PLAIN_DEFAULTS, type PlainOptions } from "../plain/options.js";
import { runPlain } from "../plain/run.js";
import { intOption } from "./numbers.js";
import {
  addSynthesisOptions,
  hiddenAlias,
  type MatrixFlags,
  matrixOptions,
  printJson,
  printSummaries,
  progressReporter,
  withProgress,
} from "./synthesis.js";

interface PlainFlags extends MatrixFlags {
  template: string;
  removeNewlineTab: boolean;
  distractorQuestions: number;
  /** The old spelling of --distractor-questions. */
  distractQuestions?: number;
}

/** The library options `plain`'s flags stand for. */
export function plainOptions(f: PlainFlags): PlainOptions {
  return {
    ...matrixOptions(f),
    template: f.template,
    removeNewlineTab: f.removeNewlineTab,
    distractorQuestions: f.distractQuestions ?? f.distractorQuestions,
  };
}

export function registerPlain(program: Command): void {
  const cmd = program
    .command("plain")
    .description(
      "Build plain long-context QA samples: each question's documents plus filler documents, sized to exactly ≤ L − G tokens",
    );
  addSynthesisOptions(cmd)
    .option(
      "--template <text>",
      "the user message, with {context} (and optionally {input}); default: LoongRL's plain wording",
      PLAIN_DEFAULTS.template,
    )
    .option(
      "--remove-newline-tab",
      "replace newlines/tabs by spaces and collapse whitespace (before measuring)",
      PLAIN_DEFAULTS.removeNewlineTab,
    )
    .option(
      "--distractor-questions <k>",
      "store k other questions per record as `distract_questions` (-1: none)",
      intOption("--distractor-questions", -1),
      PLAIN_DEFAULTS.distractorQuestions,
    )
    .addOption(hiddenAlias("--distract-questions <k>", intOption("--distract-questions", -1)))
    .action(async (f: PlainFlags) => {
      const options = plainOptions(f);
      const summaries = await withProgress(f.quiet, (progress) =>
        runPlain(options, { onEvent: progressReporter(progress) }),
      );
      if (f.json) printJson({ files: summaries });
      else printSummaries(summaries);
    });
}
