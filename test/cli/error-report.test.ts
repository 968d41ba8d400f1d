import { describe, expect, it } from "vitest";
import { errorReport } from "../../src/cli/program.js";
import { OptionsError } from "../../src/config/problems.js";
import { ConfigError, InputError, KeychainError, LockedError, WriteError } from "../../src/errors.js";
import { RolloutInterruptedError } from "../../src/stages/rollout.js";

/** A system error as node:fs and node:net make them. */
function systemError(code: string, fields: Record<string, unknown> = {}): NodeJS.ErrnoException {
  const syscall = typeof fields.syscall === "string" ? fields.syscall : "open";
  const path = typeof fields.path === "string" ? ` '${fields.path}'` : "";
  return Object.assign(new Error(`${code}: some text, ${syscall}${path}`), { code, errno: -1, ...fields });
}

describe("errorReport: system errors are one line naming the path and the cause, exit 1", () => {
  it.each([
    {
      e: systemError("ENOSPC", { syscall: "write", path: "out/x.jsonl" }),
      text: 'Cannot write "out/x.jsonl": no space left on device (ENOSPC); free space on that disk or write elsewhere',
    },
    {
      e: systemError("EIO", { syscall: "read", path: "data/a.json" }),
      text: 'Cannot read "data/a.json": i/o error (EIO)',
    },
    {
      e: systemError("EACCES", { syscall: "open", path: "/root/x" }),
      text: 'Cannot open "/root/x": permission denied (EACCES); check the permissions',
    },
    {
      e: systemError("EPERM", { syscall: "unlink", path: "x.lock" }),
      text: 'Cannot remove "x.lock": operation not permitted (EPERM); check the permissions',
    },
    {
      e: systemError("ENOTDIR", { syscall: "mkdir", path: "f/sub" }),
      text: 'Cannot create the folder "f/sub": not a directory (ENOTDIR)',
    },
    {
      e: systemError("EISDIR", { syscall: "open", path: "out" }),
      text: 'Cannot open "out": illegal operation on a directory (EISDIR)',
    },
    {
      e: systemError("ENOENT", { syscall: "scandir", path: "logs" }),
      text: 'Cannot list the folder "logs": no such file or directory (ENOENT)',
    },
    {
      e: systemError("EMFILE", { syscall: "open", path: "a.json" }),
      text: 'Cannot open "a.json": too many open files (EMFILE); raise the open-file limit (ulimit -n)',
    },
    {
      e: systemError("EROFS", { syscall: "rename", path: "a.tmp", dest: "a" }),
      text: 'Cannot rename "a.tmp" to "a": read-only file system (EROFS); write to a writable file system',
    },
    {
      e: systemError("ECONNREFUSED", { syscall: "connect", address: "127.0.0.1", port: 9 }),
      text: "Cannot connect to 127.0.0.1:9: connection refused (ECONNREFUSED)",
    },
    {
      e: systemError("ENOSPC", { syscall: "write" }),
      text: "Cannot write: no space left on device (ENOSPC); free space on that disk or write elsewhere",
    },
    {
      e: new Error("fetch failed", { cause: systemError("ENOTDIR", { syscall: "open", path: "f/x" }) }),
      text: 'fetch failed: Cannot open "f/x": not a directory (ENOTDIR)',
    },
  ])("$e.code ($e.syscall) → $text", ({ e, text }) => {
    const r = errorReport(e);
    expect(r.exitCode).toBe(1);
    expect(r.text).toBe(`keychain-synth: ${text}\n`);
    expect(r.text.split("\n")).toHaveLength(2); // one line, no stack
  });
});

describe("errorReport: the error tree keeps its codes and messages", () => {
  it.each([
    { e: new WriteError("out/x", "no space left on device", "ENOSPC"), code: 1 },
    { e: new InputError("expected a string, got null", { file: "a.jsonl", line: 3 }), code: 1 },
    { e: new ConfigError("Invalid thing"), code: 2 },
    { e: new LockedError("Cannot lock x", "x.lock", undefined), code: 2 },
    { e: new RolloutInterruptedError("Rollout interrupted: 3 of 9 records are kept"), code: 130 },
    { e: new KeychainError("something went wrong"), code: 1 },
  ])("$e.name → exit $code, its message", ({ e, code }) => {
    expect(errorReport(e)).toEqual({ text: `keychain-synth: ${e.message}\n`, exitCode: code });
  });

  it("words option problems as flags", () => {
    const e = new OptionsError("plain", [{ path: ["tokensToGenerate"], message: "must be ≥ 1, got 0" }]);
    expect(errorReport(e)).toEqual({
      text: "keychain-synth: Invalid plain options: --tokens-to-generate: must be ≥ 1, got 0\n",
      exitCode: 2,
    });
  });
});

describe("errorReport: internal errors", () => {
  it.each([
    new TypeError("Cannot read properties of undefined (reading 'x')"),
    Object.assign(new Error("bad argument"), { code: "ERR_INVALID_ARG_TYPE" }),
    new RangeError("Invalid string length"),
  ])("%s → internal error with its stack, exit 70", (e) => {
    const r = errorReport(e);
    expect(r.exitCode).toBe(70);
    expect(r.text).toMatch(/^keychain-synth: internal error: \w*Error: /);
    expect(r.text).toContain("\n    at ");
  });

  it("a thrown non-Error is internal too", () => {
    expect(errorReport("oops")).toEqual({ text: "keychain-synth: internal error: oops\n", exitCode: 70 });
  });
});

describe("errorReport after a signal the command handled", () => {
  it("keeps a KeychainError's message with the signal's exit code", () => {
    const e = new RolloutInterruptedError("Rollout interrupted: kept");
    expect(errorReport(e, "SIGINT")).toEqual({
      text: "keychain-synth: Rollout interrupted: kept\n",
      exitCode: 130,
    });
    expect(errorReport(new KeychainError("api-test interrupted"), "SIGTERM").exitCode).toBe(143);
  });

  it("reports an abort as the interruption, without a stack", () => {
    const abort = new DOMException("This operation was aborted", "AbortError");
    expect(errorReport(abort, "SIGINT")).toEqual({
      text: "keychain-synth: interrupted (SIGINT)\n",
      exitCode: 130,
    });
  });
});
