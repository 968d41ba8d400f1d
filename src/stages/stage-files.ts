/**
 * File steps shared by the LLM stages (rollout, reason, filter): reading a JSONL input whole (its hash goes
 * into the journal header), and writing a stage's output lines atomically.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { AtomicFile } from "../io/atomic.js";

/** One non-blank input line: its 1-based line number and its text without a trailing "\r". */
export interface StageInputLine {
  line: number;
  text: string;
}

/**
 * The non-blank lines of a JSONL input, with the SHA-256 and size of the whole file. An unreadable file or
 * one without records is an {@link InputError} naming the file.
 */
export async function readStageInput(
  path: string,
): Promise<{ lines: StageInputLine[]; hash: string; size: number }> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  const lines: StageInputLine[] = [];
  buf
    .toString("utf8")
    .split("\n")
    .forEach((raw, at) => {
      const text = raw.replace(/\r$/, "");
      if (text.trim() !== "") lines.push({ line: at + 1, text });
    });
  if (lines.length === 0) throw new InputError("the file holds no records", { file: path });
  return { lines, hash: createHash("sha256").update(buf).digest("hex"), size: buf.length };
}

/** Writes `lines`, each followed by "\n", to `path` atomically; a throw while iterating leaves no file. */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const file = await AtomicFile.open(path);
  try {
    for (const line of lines) await file.write(`${line}\n`);
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
