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

/** Turn a CLI resolver's message into config wording: `--id-format hex:2` → `id_format hex:2`. */
export function configWording(message: string): string {
  return message.replace(/--([a-z][a-z-]*)/g, (_, flag: string) => flag.replaceAll("-", "_"));
}
