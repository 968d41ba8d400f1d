#!/usr/bin/env node
import { setLockNotes } from "../io/lock.js";
import { cleanUpSync, installSignalHandlers } from "./signals.js";

// SIGINT / SIGTERM remove the temporary files being written and release the locks held, then exit 130 / 143
// (commands that handle Ctrl-C themselves keep doing so); the same cleanup runs on every way out. Installed
// before the commands are loaded (that takes most of a second), so no signal finds the process without them.
installSignalHandlers();

// Notes of the library's locks (a stale lock taken over) go to stderr, even with --quiet.
setLockNotes((message) => process.stderr.write(`keychain-synth: note: ${message}\n`));

// A closed stdout (e.g. piped into `head`) ends the command quietly instead of crashing with EPIPE.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const { errorReport, main } = await import("./program.js");

// An error no command caught (a stream without an error listener): reported like any other, then exit.
process.on("uncaughtException", (e) => {
  const report = errorReport(e);
  process.stderr.write(report.text);
  cleanUpSync();
  process.exit(report.exitCode);
});

main(process.argv).then(
  (code) => {
    cleanUpSync();
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `keychain-synth: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    cleanUpSync();
    process.exitCode = 70;
  },
);
