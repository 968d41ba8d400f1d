/**
 * File steps shared by the LLM stages (rollout, reason, filter): reading a JSONL input line by line (its hash
 * goes into the journal header), and writing a stage's output lines atomically.
 */
import { stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { writeAtomic } from "../io/atomic.js";
import { ByteDigest } from "../io/digest.js";
import { readLines } from "../io/lines.js";

/** One non-blank input line: its 1-based line number and its text without a trailing "\r". */
export interface StageInputLine {
  line: number;
  text: string;
}

/**
 * The non-blank lines of a JSONL input, with the SHA-256 (hex) and size of the whole file, streamed: the
 * file is never held as one string. An unreadable file or one without records is an {@link InputError}
 * naming the file.
 */
export async function readStageInput(
  path: string,
): Promise<{ lines: StageInputLine[]; hash: string; size: number }> {
  const digest = new ByteDigest();
  const lines: StageInputLine[] = [];
  try {
    for await (const { line, text } of readLines(path, (bytes) => digest.update(bytes)))
      if (text.trim() !== "") lines.push({ line, text });
  } catch (e) {
    throw new InputError(`cannot open the file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  if (lines.length === 0) throw new InputError("the file holds no records", { file: path });
  const { sha256, size } = digest.result();
  return { lines, hash: sha256, size };
}

/**
 * Writes `lines`, each followed by "\n", to `path` atomically; a throw while iterating leaves no file, a
 * failed write is a `WriteError` naming `path`.
 */
export async function writeLinesAtomic(
  path: string,
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  await writeAtomic(path, async (file) => {
    for await (const line of lines) await file.write(`${line}\n`);
  });
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
