// Runs `keychain-synth rollout` from the built package (KS_DIST, default ../../dist) as a real process, so a
// test can SIGKILL it mid-run. Exit codes as the CLI entry: KeychainError → its exitCode.
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";

const dist = process.env.KS_DIST ?? new URL("../../dist", import.meta.url).pathname;
const { registerRollout } = await import(pathToFileURL(`${dist}/cli/rollout.js`).href);
const program = new Command().name("keychain-synth").exitOverride();
registerRollout(program);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  process.stderr.write(`keychain-synth: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(typeof e?.exitCode === "number" ? e.exitCode : 70);
}
