import type { Command } from "commander";
import { parseFormat } from "../run/datasets.js";
import {
  FILTER_METRICS,
  type FilterMetric,
  formatAgainReport,
  formatStage1Report,
  runFilterAgain,
  runFilterStage1,
  unionIdFiles,
} from "../stages/filter.js";
import { FILTER_AGAIN_DEFAULTS, FILTER_STAGE1_DEFAULTS } from "../stages/filter-defaults.js";
import type { RolloutDeps } from "../stages/rollout.js";
import { addServerOptions, type ServerFlags, withChatPool } from "./chat-pool.js";
import { choiceOption, intOption, numberOption } from "./numbers.js";
import { addPromptOptions, formatRolloutReport, type PromptFlags } from "./rollout.js";

interface Stage1Flags extends ServerFlags {
  input: string;
  format?: string;
  n: number;
  temperature: number;
  maxTokens: number;
  keep?: string;
  metric: FilterMetric;
  fromIds?: string;
  name?: string;
  out: string;
}

interface AgainFlags extends ServerFlags, PromptFlags {
  input: string;
  n: number;
  temperature: number;
  maxTokens: number;
  out: string;
}

const S1 = FILTER_STAGE1_DEFAULTS;
const S2 = FILTER_AGAIN_DEFAULTS;

/** Runs a filter stage with the shared pool wrapper and prints the rollout report. */
function withPool<T extends { rollout: Parameters<typeof formatRolloutReport>[0] }>(
  o: ServerFlags,
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
    .option("--n <n>", "samples per question", intOption("--n", 1), S1.n)
    .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), S1.temperature)
    .option("--max-tokens <n>", "tokens per sample", intOption("--max-tokens", 1), S1.maxTokens)
    .option("--keep <a-b>", "kept pass-count band, inclusive (default: 1-(n-2), i.e. 1-6 for n = 8)")
    .option(
      "--metric <name>",
      "cem (original: first 'the answer is', one-way, compat) | sub_em (last 'the answer is', default mode)",
      choiceOption("--metric", FILTER_METRICS),
      S1.metric,
    )
    .option("--from-ids <file>", "only these question ids (e.g. a previous run's _band_0_ids.jsonl)")
    .option(
      "--name <name>",
      "output file prefix (default: input stem, plus _from_<ids stem> with --from-ids)",
    )
    .option("-o, --out <dir>", "output folder", S1.out)
    .action(async (o: Stage1Flags) => {
      const s = await withPool(o, `filter ${o.input}`, (deps) =>
        runFilterStage1(
          {
            input: o.input,
            format: o.format === undefined ? undefined : parseFormat(o.format),
            model: o.model,
            n: o.n,
            temperature: o.temperature,
            maxTokens: o.maxTokens,
            keep: o.keep,
            metric: o.metric,
            fromIds: o.fromIds,
            name: o.name,
            out: o.out,
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
      .option("--n <n>", "samples per row", intOption("--n", 1), S2.n)
      .option("--temperature <t>", "sampling temperature", numberOption("--temperature"), S2.temperature)
      .option("--max-tokens <n>", "tokens per sample", intOption("--max-tokens", 1), S2.maxTokens),
  )
    .option("-o, --out <dir>", "output folder", S2.out)
    .action(async (o: AgainFlags) => {
      const s = await withPool(o, `filter again ${o.input}`, (deps) =>
        runFilterAgain(
          {
            input: o.input,
            model: o.model,
            n: o.n,
            temperature: o.temperature,
            maxTokens: o.maxTokens,
            prompt: o.prompt,
            extractor: o.extractor,
            mode: o.mode,
            out: o.out,
            ...(o.systemPrompt === undefined ? {} : { systemPrompt: o.systemPrompt }),
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
    .action(async (a: string, b: string, o: { out: string }) => {
      const r = await unionIdFiles(a, b, o.out);
      process.stdout.write(
        `${o.out}: ${r.union} ids (${r.a} + ${r.b}, overlap ${r.overlap}${r.overlap > 0 ? " — bands were not disjoint" : ""})\n`,
      );
    });
}
