/** Reading tokenizer model files and naming them by content. */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError } from "../errors.js";

/** Reads a model file; a missing or unreadable file is a `ConfigError` that names the path and the spec. */
export async function readModelFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new ConfigError(`Cannot read ${what} "${path}": ${reason}`, { cause: error });
  }
}

/** First 16 hex digits of the SHA-256 of `bytes`: the content part of a counter id. */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}
