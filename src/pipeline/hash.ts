import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { fileError } from "../corpus/source-file.js";

/** SHA-256 (hex) of a file's bytes, streamed. A missing file is an InputError naming it. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (e) {
    throw fileError(path, e);
  }
  return hash.digest("hex");
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export function sha256Text(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
