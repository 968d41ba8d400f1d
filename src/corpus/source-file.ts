import { open } from "node:fs/promises";
import { InputError } from "../errors.js";

/**
 * The first byte of `path` that is not JSON whitespace (a leading UTF-8 byte-order mark is skipped), or
 * `undefined` when the file holds nothing else. Reads only as far as that byte. A file that cannot be opened
 * or read is an {@link InputError}.
 */
export async function firstSignificantByte(path: string): Promise<number | undefined> {
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (let position = 0; ; ) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return undefined;
        const hasBom = position === 0 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
        for (let i = hasBom ? 3 : 0; i < bytesRead; i++) {
          const c = buffer[i] as number;
          if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
        }
        position += bytesRead;
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(path, error);
  }
}

/** An InputError for a file-system failure (missing file, directory, no permission); others pass through. */
export function fileError(path: string, error: unknown): unknown {
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EISDIR: "it is a directory, not a file",
    EACCES: "permission denied",
  };
  const reason = reasons[(error as NodeJS.ErrnoException).code ?? ""];
  return reason === undefined ? error : new InputError(reason, { file: path }, { cause: error });
}
