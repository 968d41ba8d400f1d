/**
 * Errors across a worker thread boundary: a worker sends its error as plain data, and the main thread gets an
 * error of the same class back where the class is one of the library's (an InputError keeps its place, a
 * ConfigError its exit code), with the worker's stack. Anything else comes back as an `Error` with the name
 * and message it had.
 */
import {
  ConfigError,
  formatPlace,
  InputError,
  KeychainError,
  type Place,
  RemoteError,
  WriteError,
} from "../errors.js";

/** An error as a worker sends it. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  place?: Place;
  /** `WriteError.path`, `RemoteError.url`. */
  path?: string;
  url?: string;
  status?: number;
  /** A system error's code (`ENOSPC`), or WriteError's. */
  code?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const out: SerializedError = { name: e.name, message: e.message };
  if (e.stack !== undefined) out.stack = e.stack;
  if (e instanceof InputError) out.place = { ...e.place };
  if (e instanceof WriteError) out.path = e.path;
  if (e instanceof RemoteError) {
    out.url = e.url;
    if (e.status !== undefined) out.status = e.status;
  }
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === "string") out.code = code;
  return out;
}

export function deserializeError(s: SerializedError): Error {
  let e: Error;
  switch (s.name) {
    case "InputError": {
      const place = s.place ?? {};
      const lead = formatPlace(place);
      e = new InputError(s.message.startsWith(lead) ? s.message.slice(lead.length) : s.message, place);
      break;
    }
    case "ConfigError":
      e = new ConfigError(s.message);
      break;
    case "RemoteError":
      e = new RemoteError(s.message, s.url ?? "", s.status);
      break;
    case "WriteError":
      e = Object.assign(new WriteError(s.path ?? "", ""), { message: s.message });
      break;
    case "KeychainError":
      e = new KeychainError(s.message);
      break;
    default:
      e = new Error(s.message);
      e.name = s.name;
      if (s.code !== undefined) (e as NodeJS.ErrnoException).code = s.code;
  }
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}
