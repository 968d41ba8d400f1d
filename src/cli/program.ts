import { Command, CommanderError } from "commander";
import { type ConfigProblem, flagName, formatProblem, OptionsError } from "../config/problems.js";
import { KeychainError } from "../errors.js";
import { registerApiTest } from "./api-test.js";
import { registerDemo } from "./demo.js";
import { registerDownload } from "./download.js";
import { registerExport } from "./export.js";
import { registerFilter } from "./filter.js";
import { registerGrow } from "./grow.js";
import { registerKeychain } from "./keychain.js";
import { registerMerge, registerPipeline } from "./pipeline.js";
import { registerPlain } from "./plain.js";
import { registerReason } from "./reason.js";
import { registerReport } from "./report.js";
import { registerRollout } from "./rollout.js";
import { registerScore } from "./score.js";
import { registerSft } from "./sft.js";
import { registerVerify } from "./verify.js";

export function buildProgram(): Command {
  const program = new Command()
    .name("keychain-synth")
    .description("Verifiable long-context QA data (KeyChain / LoongRL): budget-exact, reproducible, fast")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerPlain(program);
  registerKeychain(program);
  registerExport(program);
  registerVerify(program);
  registerPipeline(program);
  registerMerge(program);
  registerScore(program);
  registerApiTest(program);
  registerRollout(program);
  registerReason(program);
  registerFilter(program);
  registerSft(program);
  registerGrow(program);
  registerDownload(program);
  registerDemo(program);
  registerReport(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof OptionsError) {
      // The library names options (`tokensToGenerate`); the CLI user wrote flags (`--tokens-to-generate`).
      process.stderr.write(`keychain-synth: ${new OptionsError(e.what, e.problems, asFlags).message}\n`);
      return e.exitCode;
    }
    if (e instanceof KeychainError) {
      process.stderr.write(`keychain-synth: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** A problem at an option path worded for the command line: `--lengths[1]: …`. */
function asFlags(p: ConfigProblem): string {
  const [head, ...rest] = p.path;
  if (head === undefined) return formatProblem(p);
  const flag = flagName(String(head));
  return `${flag}${rest.map((r) => (typeof r === "number" ? `[${r}]` : `.${r}`)).join("")}: ${p.message}`;
}
