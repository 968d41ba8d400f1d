import type { Command } from "commander";
import { KEYCHAIN_DEFAULTS, type KeychainOptions, resolveKeychainOptions } from "../keychain/options.js";
import { runKeychain } from "../keychain/run.js";
import { type VerifySummary, verifyFile } from "../verify/verify-file.js";
import { intOption } from "./numbers.js";
import {
  addSynthesisOptions,
  type MatrixFlags,
  matrixOptions,
  printJson,
  printSummaries,
  progressReporter,
  withProgress,
} from "./synthesis.js";
import { printSummary, VerificationFailedError } from "./verify.js";

interface KeychainFlags extends MatrixFlags {
  preset: string;
  chains: number | "auto";
  hops: number;
  idFormat?: string;
  topology: string;
  distractorQuestions: number | "auto";
  promptVariant: string;
}

function countOrAuto(flag: string) {
  return (v: string): number | "auto" => (v === "auto" ? "auto" : intOption(flag, 1)(v));
}

/** The library options `keychain`'s flags stand for. */
export function keychainOptions(f: KeychainFlags): KeychainOptions {
  const o: KeychainOptions = {
    ...matrixOptions(f),
    preset: f.preset,
    chains: f.chains,
    hops: f.hops,
    topology: f.topology,
    distractorQuestions: f.distractorQuestions,
    promptVariant: f.promptVariant,
  };
  if (f.idFormat !== undefined) o.idFormat = f.idFormat;
  return o;
}

export function registerKeychain(program: Command): void {
  const cmd = program
    .command("keychain")
    .description(
      "Build KeyChain instances: the question hidden behind a chain of key→value pairs among distractor chains, in a context filled to exactly ≤ L − G tokens (instruction and start key included)",
    );
  addSynthesisOptions(cmd)
    .option(
      "--preset <name>",
      "paper (1 chain per 1K tokens, uuid ids) | repo (4 per 1K, hex:8)",
      KEYCHAIN_DEFAULTS.preset,
    )
    .option(
      "--chains <n|auto>",
      "routes per instance (1 true + distractors); auto follows --preset",
      countOrAuto("--chains"),
      KEYCHAIN_DEFAULTS.chains,
    )
    .option(
      "--hops <n>",
      "ids per chain: n − 1 key→key links, then key→question",
      intOption("--hops", 1),
      KEYCHAIN_DEFAULTS.hops,
    )
    .option("--id-format <fmt>", "uuid | hex:N | nano:N (default from --preset)")
    .option(
      "--topology <t>",
      "chain | tree[:B] (the true route branches B ways per level, dead ends elsewhere)",
      KEYCHAIN_DEFAULTS.topology,
    )
    .option(
      "--distractor-questions <k|auto>",
      "distractor questions sampled per instance (auto = L/64, at most the data set's other questions); chains − 1 are used",
      countOrAuto("--distractor-questions"),
      KEYCHAIN_DEFAULTS.distractorQuestions,
    )
    .option(
      "--prompt-variant <v>",
      'default | find-first (adds "Find the correct question first, then answer it.")',
      KEYCHAIN_DEFAULTS.promptVariant,
    )
    .action(async (f: KeychainFlags) => {
      const options = keychainOptions(f);
      const layout = resolveKeychainOptions(options).layout;
      const summaries = await withProgress(f.quiet, (progress) =>
        runKeychain(options, { onEvent: progressReporter(progress) }),
      );
      if (!f.json) printSummaries(summaries);
      // Every written file is proven solvable by the independent verifier.
      const verification: VerifySummary[] = [];
      for (const s of summaries) {
        const v = await verifyFile(s.path, { recount: "none", layout, workers: f.workers });
        if (!f.json) printSummary(v, process.stdout);
        verification.push(v);
      }
      if (f.json) printJson({ files: summaries, verification });
      const failed = verification.reduce((n, v) => n + v.failed, 0);
      if (failed > 0) throw new VerificationFailedError(`${failed} written instances failed verification`);
    });
}
