/** Problems of a YAML config file: where (a path into the document, the line) and what, all reported at once. */
import { ConfigError } from "../errors.js";

/** A path into the config document: keys and list indices, e.g. `["kinds", "keychain", "chains"]`. */
export type ConfigPath = readonly (string | number)[];

/** One thing wrong with a config, at a place in the YAML. */
export interface ConfigProblem {
  path: ConfigPath;
  message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

/** `kinds.keychain.chains`, `datasets[1].path`; the root is `(config)`. */
export function formatConfigPath(path: ConfigPath): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out === "" ? "(config)" : out;
}

/** `kinds.keychain.chains: expected a positive integer or "auto", got 0 (line 14)`; no path for the whole file. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.path.length === 0 ? "" : `${formatConfigPath(p.path)}: `;
  return `${where}${p.message}${p.line === undefined ? "" : ` (line ${p.line})`}`;
}

/**
 * Every problem of a config at once; the message lists them one per line under
 * `Invalid {what} config "{file}": N problems`.
 */
export class ConfigProblemsError extends ConfigError {
  readonly file: string | undefined;
  readonly problems: readonly ConfigProblem[];
  constructor(what: string, problems: readonly ConfigProblem[], file?: string) {
    const head = `Invalid ${what} config${file ? ` "${file}"` : ""}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    super(`${head}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    this.file = file;
    this.problems = problems;
  }
}

/** A short description of a YAML value for messages: `0`, `"abc"`, `null`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * Every problem of a job's options at once (`Invalid plain options: 2 problems`), each at the option's path
 * (`lengths[1]`, `chains`). Front ends re-word the paths: the CLI as flags, the YAML configs as their keys.
 */
export class OptionsError extends ConfigError {
  override name = "OptionsError";
  readonly what: string;
  readonly problems: readonly ConfigProblem[];
  constructor(what: string, problems: readonly ConfigProblem[], format = formatProblem) {
    const head = `Invalid ${what} options: ${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    super(
      problems.length === 1
        ? `${head.replace(/: 1 problem$/, "")}: ${format(problems[0] as ConfigProblem)}`
        : `${head}\n${problems.map((p) => `  ${format(p)}`).join("\n")}`,
    );
    this.what = what;
    this.problems = problems;
  }
}

/** Collects the problems of a resolution; {@link Problems.throwIfAny} reports them all at once. */
export class Problems {
  readonly list: ConfigProblem[] = [];

  add(path: ConfigPath, message: string): void {
    this.list.push({ path, message });
  }

  /** `parse()`, or undefined with its ConfigError's message recorded at `path`. */
  try<T>(path: ConfigPath, parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (e instanceof ConfigProblemsError || e instanceof OptionsError)
        for (const p of e.problems) this.list.push({ ...p, path: [...path, ...p.path] });
      else this.add(path, e.message);
      return undefined;
    }
  }

  /** Throws an {@link OptionsError} of `what` when any problem was recorded. */
  throwIfAny(what: string): void {
    if (this.list.length > 0) throw new OptionsError(what, this.list);
  }
}

/** `tokensToGenerate` → `tokens_to_generate`: an option name as a YAML key. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** `tokensToGenerate` → `--tokens-to-generate`: an option name as a CLI flag. */
export function flagName(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
