import { getSystemErrorMap } from "node:util";

/**
 * The error tree of keychain-synth. Library code throws these; only the CLI entry turns them into
 * messages and exit codes. Each error names the place (file, line or record, field) when it has one.
 */

export interface Place {
  /** Path of the file being read, as the user gave it. */
  file?: string;
  /** 1-based line number (JSONL) or 1-based record number (JSON arrays, as "record N"). */
  line?: number;
  /** Record number inside a JSON array (1-based), when lines are not meaningful. */
  record?: number;
  /** Record id, when the record has one. */
  id?: string;
  /** Dotted path of the offending field, e.g. `context[3][1]`. */
  field?: string;
}

export class KeychainError extends Error {
  override name = "KeychainError";
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
}

/** Bad input data: malformed JSON, missing or wrongly typed fields, unknown formats, empty files. */
export class InputError extends KeychainError {
  override name = "InputError";
  readonly place: Place;
  constructor(message: string, place: Place = {}, options?: { cause?: unknown }) {
    super(formatPlace(place) + message, options);
    this.place = place;
  }
}

/** A configuration or option that cannot work (bad flag value, impossible combination). */
export class ConfigError extends KeychainError {
  override name = "ConfigError";
  override readonly exitCode = 2;
}

/** A network or remote-service failure (tokenizer servers, downloads). */
export class RemoteError extends KeychainError {
  override name = "RemoteError";
  readonly url: string;
  readonly status: number | undefined;
  constructor(message: string, url: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.url = url;
    this.status = status;
  }
}

/**
 * An output file that could not be written (full disk, I/O error, no permission, a folder in the way):
 * `Cannot write "out/x.jsonl": no space left on device (ENOSPC)`. Nothing is left behind under the final name.
 */
export class WriteError extends KeychainError {
  override name = "WriteError";
  /** The final path of the file, as the caller gave it. */
  readonly path: string;
  /** The system error code (`ENOSPC`, `EACCES`, …), when the cause has one. */
  readonly code: string | undefined;
  constructor(path: string, reason: string, code?: string, options?: { cause?: unknown }) {
    super(`Cannot write "${path}": ${reason}${code === undefined ? "" : ` (${code})`}`, options);
    this.path = path;
    this.code = code;
  }
}

/**
 * Another run holds the lock of an output (`<output>.lock`): two writers of one output would send every
 * request twice and interleave its journal. A usage error (exit 2): this run refused to start and changed
 * nothing; running it again while the other runs is refused again.
 */
export class LockedError extends ConfigError {
  override name = "LockedError";
  /** The lock file. */
  readonly lockPath: string;
  /** Who holds it, as its lock file says (undefined when the file could not be read). */
  readonly holder: { pid: number; host: string; started_at: string } | undefined;
  constructor(
    message: string,
    lockPath: string,
    holder: { pid: number; host: string; started_at: string } | undefined,
  ) {
    super(message);
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

let systemErrorNames: Map<string, string> | undefined;

/** `no space left on device` for `ENOSPC`: the system's text of an error code, when it is one. */
export function systemErrorText(code: string): string | undefined {
  systemErrorNames ??= new Map([...getSystemErrorMap().values()]);
  return systemErrorNames.get(code);
}

/**
 * Whether `e` is an error of the operating system as Node reports them (`ENOSPC`, `EACCES`, `ENOTDIR`, …): an
 * Error whose `code` is a system error name. Node's own `ERR_…` codes (programming errors) are not.
 */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === "string" && systemErrorText(code) !== undefined;
}

/** `Cannot read "f" line 3 (id "x"), field "question": ` — the lead-in of an InputError message. */
export function formatPlace(place: Place): string {
  if (!place.file && place.line === undefined && place.record === undefined && !place.field) return "";
  const parts: string[] = [];
  parts.push(place.file ? `Cannot read "${place.file}"` : "Cannot read input");
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  if (place.record !== undefined) parts.push(`record ${place.record}`);
  if (place.id !== undefined) parts.push(`(id "${place.id}")`);
  let head = parts.join(" ");
  if (place.field) head += `, field "${place.field}"`;
  return head + ": ";
}

/** Short human description of a JSON value's type, for messages like `expected a string, got null`. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
