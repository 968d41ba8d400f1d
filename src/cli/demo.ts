import { join } from "node:path";
import type { Command } from "commander";
import { defaultCacheDir } from "../cache/doc-counts.js";
import { DEFAULT_LAYOUT } from "../compose/layout.js";
import { parsePlacement } from "../compose/placement.js";
import { parseTemplate } from "../compose/template.js";
import { type PlainRunConfig, runPlain } from "../plain/run.js";
import { writeWorldJsonl } from "../synthetic/index.js";
import { resolveTokenizer } from "../tokenizer/resolve.js";
import { intOption } from "./numbers.js";
import { printSummaries, progressReporter } from "./plain.js";
import { createProgress } from "./progress.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(
      "Generate the built-in synthetic multi-hop corpus (fictional, contamination-free) and build plain samples from it at 4K, 8K and 16K with the bundled Qwen3 tokenizer, re-counting every prompt",
    )
    .option("-o, --out <dir>", "output folder", "demo-output")
    .option("--questions <n>", "questions in the synthetic corpus", intOption("--questions", 10), 2000)
    .option("-n, --num-samples <n>", "samples per length", intOption("--num-samples", 1), 100)
    .option("--lengths <list>", "lengths", "4k,8k,16k")
    .option("-t, --tokenizer <spec>", "tokenizer", "qwen3")
    .option("--seed <n>", "seed", intOption("--seed"), 42)
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: Record<string, unknown>) => {
      const out = o.out as string;
      const corpusPath = join(out, "data", "synthetic-world.jsonl");
      const progress = createProgress(process.stderr, o.quiet as boolean);
      await writeWorldJsonl(corpusPath, { seed: o.seed as number, questions: o.questions as number });
      progress.log(`wrote the synthetic corpus: ${corpusPath}`);
      const { parseLengths } = await import("../plain/lengths.js");
      const config: PlainRunConfig = {
        datasets: [{ name: "synthetic", path: corpusPath }],
        lengths: parseLengths(o.lengths as string),
        tokensToGenerate: 128,
        numSamples: o.numSamples as number,
        preSamples: 0,
        disjointWindows: true,
        seed: o.seed as number,
        shuffleQa: true,
        placement: parsePlacement("shuffle"),
        template: parseTemplate("{context}"),
        layout: DEFAULT_LAYOUT,
        removeNewlineTab: false,
        distractQuestions: -1,
        checkBudget: "all",
        subset: "train",
        out: join(out, "plain"),
        cacheDir: defaultCacheDir(),
      };
      const counter = await resolveTokenizer(o.tokenizer as string);
      try {
        const summaries = await runPlain(config, { counter, onEvent: progressReporter(progress) });
        progress.stop();
        process.stdout.write(
          `\nPlain long-context QA samples (tokenizer ${counter.name}; every prompt re-counted in full):\n`,
        );
        printSummaries(summaries);
      } finally {
        progress.stop();
        await counter.close();
      }
    });
}
