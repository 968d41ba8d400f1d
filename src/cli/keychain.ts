import type { Command } from "commander";
import { parsePlacement } from "../compose/placement.js";
import { ConfigError } from "../errors.js";
import { parseTopology } from "../keychain/chains.js";
import { parseIdFormat } from "../keychain/ids.js";
import { type KeychainRunConfig, runKeychain } from "../keychain/run.js";
import { verifyFile } from "../verify/verify-file.js";
import { intOption } from "./numbers.js";
import {
  addSynthesisOptions,
  type Opts,
  parseBudgetCheck,
  printSummaries,
  resolveFramingFlags,
  resolveMatrixConfig,
  withTokenizer,
} from "./plain.js";
import { printSummary, VerificationFailedError } from "./verify.js";

/** Presets of the two published configurations (reference §5.2). */
const PRESETS: Record<string, { chainsPer1k: number; idFormat: string }> = {
  /** The published 16K RL data: one chain per 1K tokens, full UUIDs. */
  paper: { chainsPer1k: 1, idFormat: "uuid" },
  /** The repository's later code: four chains per 1K tokens, 8-hex ids. */
  repo: { chainsPer1k: 4, idFormat: "hex:8" },
};

function countOrAuto(flag: string) {
  return (v: string): number | "auto" => (v === "auto" ? "auto" : intOption(flag, 1)(v));
}

export function resolveKeychainConfig(o: Opts): KeychainRunConfig {
  const preset = PRESETS[o.preset as string];
  if (!preset) throw new ConfigError(`Unknown --preset ${JSON.stringify(o.preset)}: use paper or repo`);
  const variant = o.promptVariant as string;
  if (variant !== "default" && variant !== "find-first")
    throw new ConfigError(`--prompt-variant must be default or find-first, got ${JSON.stringify(variant)}`);
  return {
    ...resolveMatrixConfig(o),
    ...resolveFramingFlags(o),
    placement: parsePlacement(o.placement as string),
    chains: o.chains as number | "auto",
    chainsPer1k: preset.chainsPer1k,
    hops: o.hops as number,
    idFormat: parseIdFormat((o.idFormat as string | undefined) ?? preset.idFormat),
    topology: parseTopology(o.topology as string),
    distractorQuestions: o.distractorQuestions as number | "auto",
    promptVariant: variant,
    checkBudget: parseBudgetCheck(o.checkBudget as string),
  };
}

export function registerKeychain(program: Command): void {
  const cmd = program
    .command("keychain")
    .description(
      "Build KeyChain instances: the question hidden behind a chain of key→value pairs among distractor chains, in a context filled to exactly ≤ L − G tokens (instruction and start key included)",
    );
  addSynthesisOptions(cmd)
    .option("--preset <name>", "paper (1 chain per 1K tokens, uuid ids) | repo (4 per 1K, hex:8)", "paper")
    .option(
      "--chains <n|auto>",
      "routes per instance (1 true + distractors); auto follows --preset",
      countOrAuto("--chains"),
      "auto",
    )
    .option("--hops <n>", "ids per chain: n − 1 key→key links, then key→question", intOption("--hops", 1), 4)
    .option("--id-format <fmt>", "uuid | hex:N | nano:N (default from --preset)")
    .option(
      "--topology <t>",
      "chain | tree[:B] (the true route branches B ways per level, dead ends elsewhere)",
      "chain",
    )
    .option(
      "--distractor-questions <k|auto>",
      "distractor questions sampled per instance (auto = L/64); chains − 1 are used",
      countOrAuto("--distractor-questions"),
      "auto",
    )
    .option(
      "--prompt-variant <v>",
      'default | find-first (adds "Find the correct question first, then answer it.")',
      "default",
    )
    .action(async (o: Opts) => {
      const config = resolveKeychainConfig(o);
      await withTokenizer(o, async (deps) => {
        const summaries = await runKeychain(config, deps);
        printSummaries(summaries);
        // Every written file is proven solvable by the independent verifier.
        let failed = 0;
        for (const s of summaries) {
          const v = await verifyFile(s.path, { recount: "none", layout: config.layout });
          printSummary(v, process.stdout);
          failed += v.failed;
        }
        if (failed > 0) throw new VerificationFailedError(`${failed} written instances failed verification`);
      });
    });
}
