/**
 * How the CLI process ends when it is told to stop: on SIGINT and SIGTERM every temporary file being written
 * is removed and every lock held released, then the process exits 130 (SIGINT) or 143 (SIGTERM), the codes a
 * scheduler expects of a job stopped by a signal. A command that handles the signal itself (the LLM stages'
 * Ctrl-C: in-flight requests aborted, the journal kept, exit 130 through their interrupted error) is left to
 * do so; the same cleanup then runs on its way out ({@link cleanUpSync}), and a second signal stops at once.
 * `kill -9` cannot be caught: what it leaves is removed by the next run (stale temporary files, stale locks).
 */
import { liveTempFiles, removeLiveTempFilesSync } from "../io/atomic.js";
import { heldLocks, releaseHeldLocksSync } from "../io/lock.js";

/** Exit codes of the signals the CLI handles: 128 + the signal number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** Remove every temporary file being written and release every lock held, synchronously. Never throws. */
export function cleanUpSync(): { tempFiles: number; locks: number } {
  const tempFiles = liveTempFiles().length;
  const locks = heldLocks().length;
  removeLiveTempFilesSync();
  releaseHeldLocksSync();
  return { tempFiles, locks };
}

let received: HandledSignal | undefined;

/** The last signal this process received since the handlers were installed, if any. */
export function receivedSignal(): HandledSignal | undefined {
  return received;
}

export interface SignalHandlerOptions {
  /** Where the one line about the signal goes. @default process.stderr */
  stderr?: { write(text: string): unknown };
  /** @default process.exit */
  exit?: (code: number) => void;
}

/**
 * Install the SIGINT and SIGTERM handlers and the exit-time cleanup, once for the process (the CLI entry
 * calls it before running a command). Returns a function that removes them (for tests).
 */
export function installSignalHandlers(options: SignalHandlerOptions = {}): () => void {
  const stderr = options.stderr ?? process.stderr;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const handlers = new Map<HandledSignal, () => void>();
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]) {
    const handler = () => {
      received = signal;
      // A command listening for this signal stops itself (journal kept) and cleans up on its way out.
      if (process.listeners(signal).some((l) => l !== handler)) return;
      const { tempFiles, locks } = cleanUpSync();
      const removed = [
        tempFiles > 0 ? `${tempFiles} temporary file${tempFiles === 1 ? "" : "s"} removed` : "",
        locks > 0 ? `${locks} lock${locks === 1 ? "" : "s"} released` : "",
      ].filter(Boolean);
      stderr.write(
        `\nkeychain-synth: ${signal === "SIGINT" ? "interrupted" : "terminated"} (${signal})${removed.length > 0 ? `; ${removed.join(", ")}` : ""}\n`,
      );
      exit(SIGNAL_EXIT_CODES[signal]);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  const atExit = () => {
    cleanUpSync();
  };
  process.on("exit", atExit);
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    process.removeListener("exit", atExit);
    received = undefined;
  };
}
