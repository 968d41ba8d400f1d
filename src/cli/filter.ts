import type { Command } from "commander";
import type { SystemPrompt } from "../prompt/messages.js";
import type { Extractor, ScoreMode } from "../scoring/index.js";
import {
  FILTER_METRICS,
  type FilterMetric,
  formatAgainReport,
  formatStage1Report,
  runFilterAgain,
  runFilterStage1,
  unionIdFiles,
} from "../stages/filter.js";
import type { RolloutDeps, RolloutPrompt } from "../stages/rollout.js";
import { addServerOptions, withChatPool } from "./chat-pool.js";
import { parseFormat } from "./datasets.js";
import { choiceOption, intOption, numberOption } from "./numbers.js";
import { addPromptOptions, formatRolloutReport } from "./rollout.js";

type Opts = Record<string, unknown>;

/** Runs a filter stage with the shared pool wrapper and prints the rollout report. */
function withPool<T extends { rollout: Parameters<typeof formatRolloutReport>[0] }>(
  o: Opts,
  label: string,
  body: (deps: RolloutDeps) => Promise<T>,
): Promise<T> {
  return withChatPool(o, label, body, (r, httpRequests) => formatRolloutReport(r.rollout, httpRequests));
}

export function registerFilter(program: Command): void {
  const filter = program
    .command("filter")
    .description(
      "Question filtering by pass count (stage 1), and 'filter again' with a trained model (stage 2)",
    );

  addServerOptions(
    filter
      .command("stage1")
      .description(
        "Sample --n answers per source question (answer-is prompt), count passes, write the ids in the --keep band; resumable",
      )
      .requiredOption(
        "-i, --input <file>",
        "source data set (hotpotqa, musique, 2wikimqa, squad, generic JSONL)",
      )
      .option("--format <name>", "input format, overriding detection"),
    { concurrency: 32 },
  )
    .option("--n <n>", "samples per question", intOption("--n", 1), 8)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 1.0)
    .option("--max-tokens <n>", "tokens per sample", intOption("--max-tokens", 1), 2048)
    .option("--keep <a-b>", "kept pass-count band, inclusive (default: 1-(n-2), i.e. 1-6 for n = 8)")
    .option(
      "--metric <name>",
      "cem (original: first 'the answer is', one-way, compat) | sub_em (last 'the answer is', default mode)",
      choiceOption("--metric", FILTER_METRICS),
      "cem",
    )
    .option("--from-ids <file>", "only these question ids (e.g. a previous run's _band_0_ids.jsonl)")
    .option(
      "--name <name>",
      "output file prefix (default: input stem, plus _from_<ids stem> with --from-ids)",
    )
    .option("-o, --out <dir>", "output folder", "filter")
    .action(async (o: Opts) => {
      const s = await withPool(o, `filter ${o.input as string}`, (deps) =>
        runFilterStage1(
          {
            input: o.input as string,
            format: o.format === undefined ? undefined : parseFormat(o.format as string),
            model: o.model as string,
            n: o.n as number,
            temperature: o.temperature as number,
            maxTokens: o.maxTokens as number,
            keep: o.keep as string | undefined,
            metric: o.metric as FilterMetric,
            fromIds: o.fromIds as string | undefined,
            name: o.name as string | undefined,
            out: o.out as string,
          },
          deps,
        ),
      );
      process.stdout.write(formatStage1Report(s));
    });

  addPromptOptions(
    addServerOptions(
      filter
        .command("again")
        .description(
          "Re-roll exported plain/KeyChain rows with a trained model; keep the rows not solved n/n",
        )
        .requiredOption("-i, --input <file>", "plain or KeyChain JSONL as written by plain / keychain"),
      { concurrency: 32 },
    )
      .option("--n <n>", "samples per row", intOption("--n", 1), 8)
      .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), 0.6)
      .option("--max-tokens <n>", "tokens per sample", intOption("--max-tokens", 1), 4096),
  )
    .option("-o, --out <dir>", "output folder", "filter")
    .action(async (o: Opts) => {
      const s = await withPool(o, `filter again ${o.input as string}`, (deps) =>
        runFilterAgain(
          {
            input: o.input as string,
            model: o.model as string,
            n: o.n as number,
            temperature: o.temperature as number,
            maxTokens: o.maxTokens as number,
            prompt: o.prompt as RolloutPrompt,
            systemPrompt: o.systemPrompt as SystemPrompt,
            extractor: o.extractor as Extractor | undefined,
            mode: o.mode as ScoreMode,
            out: o.out as string,
          },
          deps,
        ),
      );
      process.stdout.write(formatAgainReport(s));
    });

  filter
    .command("union")
    .description(
      "Union of two kept-id files (e.g. the 1-6 band of model 1 and the 1-7 band of model 2 on its 0 band)",
    )
    .argument("<a>", "id file")
    .argument("<b>", "id file")
    .requiredOption("-o, --out <file>", 'output id file (JSONL {"id"})')
    .action(async (a: string, b: string, o: Opts) => {
      const r = await unionIdFiles(a, b, o.out as string);
      process.stdout.write(
        `${o.out as string}: ${r.union} ids (${r.a} + ${r.b}, overlap ${r.overlap}${r.overlap > 0 ? " — bands were not disjoint" : ""})\n`,
      );
    });
}
