import { Command, CommanderError } from "commander";
import { type ConfigProblem, flagName, formatProblem, OptionsError } from "../config/problems.js";
import { isSystemError, KeychainError, systemErrorText } from "../errors.js";
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
import { type HandledSignal, receivedSignal, SIGNAL_EXIT_CODES } from "./signals.js";
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

/**
 * Run the command line and return the exit code: 0 done, 1 a data or run failure (an environment error
 * included: full disk, no permission, a file in the way), 2 usage or config, 130 interrupted, 70 an internal
 * error (a bug: the only case with a stack trace). Messages go to stderr, one per failure.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const report = errorReport(e, receivedSignal());
    process.stderr.write(report.text);
    return report.exitCode;
  }
}

/** What the CLI prints for an error that ended a command, and its exit code. */
export interface ErrorReport {
  /** Whole lines for stderr, each starting `keychain-synth: `. */
  text: string;
  exitCode: number;
}

/**
 * The message and exit code of an error that reached the top: a {@link KeychainError} its own message and
 * code (option problems worded as flags); a system error (ENOSPC, EACCES, ENOTDIR, …, also as the cause of
 * another error) one line naming the path and the cause, exit 1; anything else is a bug: `internal error`
 * with the stack, exit 70. After a `signal` the command handled itself (Ctrl-C in an LLM stage), the exit
 * code is the signal's (130, 143) and an abort is reported as the interruption it is.
 */
export function errorReport(e: unknown, signal?: HandledSignal): ErrorReport {
  if (signal !== undefined) {
    const exitCode = SIGNAL_EXIT_CODES[signal];
    if (e instanceof KeychainError) return { text: `keychain-synth: ${e.message}\n`, exitCode };
    const name = e instanceof Error ? e.name : "";
    const detail = name === "AbortError" || !(e instanceof Error) ? "" : `: ${oneLine(e.message)}`;
    return { text: `keychain-synth: interrupted (${signal})${detail}\n`, exitCode };
  }
  if (e instanceof OptionsError) {
    // The library names options (`tokensToGenerate`); the CLI user wrote flags (`--tokens-to-generate`).
    return {
      text: `keychain-synth: ${new OptionsError(e.what, e.problems, asFlags).message}\n`,
      exitCode: e.exitCode,
    };
  }
  if (e instanceof KeychainError) return { text: `keychain-synth: ${e.message}\n`, exitCode: e.exitCode };
  const system = systemCause(e);
  if (system !== undefined) {
    const lead = system === e ? "" : `${(e as Error).message}: `;
    return { text: `keychain-synth: ${oneLine(lead + systemErrorMessage(system))}\n`, exitCode: 1 };
  }
  return {
    text: `keychain-synth: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    exitCode: 70,
  };
}

/** `e` if it is a system error, else the first system error among its causes (a few levels deep). */
function systemCause(e: unknown): (NodeJS.ErrnoException & { code: string }) | undefined {
  let x: unknown = e;
  for (let depth = 0; depth < 5 && x instanceof Error; depth++) {
    if (isSystemError(x)) return x;
    x = x.cause;
  }
  return undefined;
}

/** What failed, by system call: `Cannot {verb} "{path}"`. */
const VERBS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  mkdir: "create the folder",
  rmdir: "remove the folder",
  scandir: "list the folder",
  opendir: "list the folder",
  unlink: "remove",
  rename: "rename",
  copyfile: "copy",
  link: "link",
  symlink: "link",
  stat: "read",
  lstat: "read",
  fstat: "read",
  access: "access",
  chmod: "change the mode of",
  fsync: "sync",
  fdatasync: "sync",
  ftruncate: "truncate",
  truncate: "truncate",
  close: "close",
  connect: "connect to",
  getaddrinfo: "resolve the host",
  spawn: "run",
};

/** What to do about a code, where one thing is usually right. */
const HINTS: Record<string, string> = {
  ENOSPC: "free space on that disk or write elsewhere",
  EDQUOT: "free space within your quota or write elsewhere",
  EMFILE: "raise the open-file limit (ulimit -n)",
  ENFILE: "raise the system's open-file limit",
  EROFS: "write to a writable file system",
  EACCES: "check the permissions",
  EPERM: "check the permissions",
};

/**
 * One line about a system error: `Cannot write "out/x.jsonl": no space left on device (ENOSPC); free space …`.
 * Exported for tests.
 */
export function systemErrorMessage(e: NodeJS.ErrnoException & { code: string }): string {
  const text = systemErrorText(e.code) ?? e.message;
  const syscall = typeof e.syscall === "string" ? e.syscall : undefined;
  const verb = syscall === undefined ? "access" : (VERBS[syscall] ?? syscall);
  const more = e as { dest?: unknown; address?: unknown; port?: unknown; hostname?: unknown };
  const target =
    typeof e.path === "string"
      ? `"${e.path}"${typeof more.dest === "string" ? ` to "${more.dest}"` : ""}`
      : typeof more.address === "string"
        ? `${more.address}${typeof more.port === "number" ? `:${more.port}` : ""}`
        : typeof more.hostname === "string"
          ? more.hostname
          : undefined;
  const head = `Cannot ${verb}${target === undefined ? "" : ` ${target}`}`;
  const hint = HINTS[e.code];
  return `${head}: ${text} (${e.code})${hint === undefined ? "" : `; ${hint}`}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/** A problem at an option path worded for the command line: `--lengths[1]: …`. */
function asFlags(p: ConfigProblem): string {
  const [head, ...rest] = p.path;
  if (head === undefined) return formatProblem(p);
  const flag = flagName(String(head));
  return `${flag}${rest.map((r) => (typeof r === "number" ? `[${r}]` : `.${r}`)).join("")}: ${p.message}`;
}
