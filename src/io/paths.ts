import { ConfigError } from "../errors.js";

/**
 * Why `value` cannot be one part of a path (a folder or file name made from a user's or a file's words), or
 * `undefined` when it can: it must not be empty, `.` or `..`, and must hold no `/`, no `\` and no control
 * character. Such a name stays inside the folder it is joined to, whatever the platform.
 */
export function pathPartProblem(value: string): string | undefined {
  if (value === "") return "it is empty";
  if (value === "." || value === "..") return `"${value}" would leave the output folder`;
  if (/[/\\]/.test(value)) return 'it holds a "/" or "\\" and would name another folder';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return "it holds a control character";
  return undefined;
}

/**
 * `value`, checked to be safe as one part of a path ({@link pathPartProblem}); otherwise a
 * {@link ConfigError} saying what it is and why, e.g.
 * `The data set name "../../x" cannot be a folder name: it holds a "/" or "\" and would name another folder`.
 *
 * @param what what the value is, for the message, e.g. `data set name`, `--subset`.
 */
export function assertPathPart(value: string, what: string): string {
  const problem = pathPartProblem(value);
  if (problem !== undefined) {
    throw new ConfigError(`The ${what} ${JSON.stringify(value)} cannot be a folder or file name: ${problem}`);
  }
  return value;
}
