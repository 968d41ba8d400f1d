import { join } from "node:path";
import type { Command } from "commander";
import { exportVerl } from "../export/verl.js";
import { writeFileAtomic } from "../io/atomic.js";
import { runKeychain } from "../keychain/run.js";
import { runPlain } from "../plain/run.js";
import { collectStats } from "../report/collect.js";
import { renderReportHtml } from "../report/html.js";
import { statsSections } from "../report/sections.js";
import { parseLengths } from "../run/lengths.js";
import { MATRIX_DEFAULTS } from "../run/options.js";
import { writeWorldJsonl } from "../synthetic/index.js";
import { DEFAULT_TOKENIZER_SPEC, resolveTokenizer } from "../tokenizer/resolve.js";
import { verifyFile } from "../verify/verify-file.js";
import { intOption } from "./numbers.js";
import { createProgress } from "./progress.js";
import { printSummaries, progressReporter } from "./synthesis.js";
import { printSummary, VerificationFailedError } from "./verify.js";

/** The flags of `demo`, parsed by commander. */
interface DemoFlags {
  out: string;
  questions: number;
  numSamples: number;
  lengths: string;
  tokenizer: string;
  seed: number;
  quiet: boolean;
}

/** What the demo makes unless told otherwise (the demo is a CLI job: no library function holds these). */
const DEMO_DEFAULTS = {
  out: "demo-output",
  questions: 2000,
  numSamples: 100,
  lengths: "4k,8k,16k",
  tokenizer: DEFAULT_TOKENIZER_SPEC,
  seed: MATRIX_DEFAULTS.seed,
} as const;

export function registerDemo(program: Command): void {
  const D = DEMO_DEFAULTS;
  program
    .command("demo")
    .description(
      "The main job on built-in data: generate a synthetic, contamination-free multi-hop corpus, build plain and KeyChain samples at 4K, 8K and 16K with the bundled Qwen3 tokenizer (every prompt re-counted), verify every KeyChain instance, export them as verl parquet, and write an HTML report about them",
    )
    .option("-o, --out <dir>", "output folder", D.out)
    .option("--questions <n>", "questions in the synthetic corpus", intOption("--questions", 10), D.questions)
    .option(
      "-n, --num-samples <n>",
      "samples per length and kind",
      intOption("--num-samples", 1),
      D.numSamples,
    )
    .option("--lengths <list>", "lengths", D.lengths)
    .option("-t, --tokenizer <spec>", "tokenizer", D.tokenizer)
    .option("--seed <n>", "seed", intOption("--seed"), D.seed)
    .option("-q, --quiet", "no progress output", false)
    .action(async (o: DemoFlags) => {
      const out = o.out;
      const n = o.numSamples;
      const lengths = parseLengths(o.lengths);
      const corpusPath = join(out, "data", "synthetic-world.jsonl");
      const progress = createProgress(process.stderr, o.quiet);
      await writeWorldJsonl(corpusPath, { seed: o.seed, questions: o.questions });
      progress.log(`wrote the synthetic corpus: ${corpusPath}`);
      // Only what the demo sets; every other option takes the library's defaults, as on the command line.
      const common = {
        input: { name: "synthetic", path: corpusPath },
        lengths,
        numSamples: n,
        seed: o.seed,
        shuffleQa: true,
        checkBudget: "all",
      };
      const counter = await resolveTokenizer(o.tokenizer);
      const stdout = process.stdout;
      try {
        const onEvent = progressReporter(progress);
        const plain = await runPlain({ ...common, out: join(out, "plain") }, { counter, onEvent });
        // KeyChain questions come after the plain windows, as LoongRL's plain [0, 2500) and KeyChain [2500, 5000).
        const keychain = await runKeychain(
          { ...common, preSamples: n * lengths.length, out: join(out, "keychain") },
          { counter, onEvent },
        );
        progress.stop();
        stdout.write(
          `\nPlain long-context QA samples (tokenizer ${counter.name}; every prompt re-counted in full):\n`,
        );
        printSummaries(plain, stdout);
        stdout.write(`\nKeyChain instances (every prompt re-counted in full):\n`);
        printSummaries(keychain, stdout);
        stdout.write("\nVerification of every KeyChain instance (independent solver):\n");
        let failed = 0;
        for (const s of keychain) {
          const v = await verifyFile(s.path, { recount: "none" });
          printSummary(v, stdout);
          failed += v.failed;
        }
        stdout.write("\nverl parquet export (each prompt as measured, through the chat template):\n");
        const exported = [
          ...plain.map((s) => ({ s, kind: "plain" })),
          ...keychain.map((s) => ({ s, kind: "keychain" })),
        ];
        for (const { s, kind } of exported) {
          const dir = join(out, "verl", `${kind}-${s.maxSeqLength}`);
          const r = await exportVerl({
            input: s.path,
            outDir: dir,
            endIndex: Math.floor(0.7 * s.written),
            testSize: Math.floor(0.2 * s.written),
            validSize: s.written,
          });
          stdout.write(`  ${dir}: train ${r.train}, test ${r.test}, valid ${r.valid} rows\n`);
        }
        const reportPath = join(out, "report.html");
        const data = await collectStats([...plain, ...keychain].map((s) => s.path));
        const html = await renderReportHtml(statsSections(data), { title: "keychain-synth demo" });
        await writeFileAtomic(reportPath, html);
        stdout.write(`\nReport (token lengths, fill, gold and chain-pair depth, skips): ${reportPath}\n`);
        if (failed > 0) throw new VerificationFailedError(`${failed} KeyChain instances failed verification`);
      } finally {
        progress.stop();
        await counter.close();
      }
    });
}
