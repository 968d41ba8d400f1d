import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "../..");
/** The built CLI (`npm run build`). */
export const BIN = join(ROOT, "dist/cli/main.js");

const TIMEOUT_MS = 120_000;

/** How a CLI run ended: exit code (null when killed), stdout, stderr. */
export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export interface CliSandbox {
  /** A fresh temp folder, removed after the file's tests; read it inside tests (it is made in `beforeAll`). */
  readonly dir: string;
  /** Run the built CLI and wait for it (in `cwd`, else in `dir`). */
  run(...args: string[]): CliResult;
  /** Run it without blocking this process, for tests whose server answers from here. */
  runAsync(...args: string[]): Promise<CliResult>;
}

/**
 * For a test file of the built CLI: checks `dist/cli/main.js` is there and makes a temp folder before the
 * tests (`prefix` starts its name), removes it after. Call at the top level of the file.
 */
export function useCliSandbox(prefix: string, options: { cwd?: string } = {}): CliSandbox {
  let dir: string | undefined;
  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const folder = (): string => {
    if (dir === undefined)
      throw new Error("the CLI sandbox folder is made in beforeAll; read it inside tests");
    return dir;
  };
  return {
    get dir() {
      return folder();
    },
    run(...args) {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        cwd: options.cwd ?? folder(),
        encoding: "utf8",
        timeout: TIMEOUT_MS,
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    runAsync(...args) {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [BIN, ...args],
          { cwd: options.cwd ?? folder(), encoding: "utf8", timeout: TIMEOUT_MS },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
            resolve({ code, out: stdout, err: stderr });
          },
        );
      });
    },
  };
}
