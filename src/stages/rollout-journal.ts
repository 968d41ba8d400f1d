/**
 * The crash-safe journal of a resumable stage (rollout, reason): a header line naming the settings it was written with, then one
 * line per finished input index, appended (and synced) as records finish, in any order. A torn last line (the
 * process killed mid-write) is dropped on reading and cut off before appending resumes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, truncate } from "node:fs/promises";
import { ConfigError, InputError } from "../errors.js";

export const JOURNAL_KIND = "keychain-synth rollout journal";

export interface JournalHeader {
  /** What wrote the journal, e.g. {@link JOURNAL_KIND}; a journal of another kind is refused on resume. */
  journal: string;
  version: 1;
  /** SHA-256 of `settings`, compared on resume. */
  fingerprint: string;
  settings: Record<string, unknown>;
}

/** The header of a journal of `kind` written with `settings`; the fingerprint is the SHA-256 of their JSON. */
export function journalHeaderOf(kind: string, settings: Record<string, unknown>): JournalHeader {
  const fingerprint = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  return { journal: kind, version: 1, fingerprint, settings };
}

/** One finished input record: its 0-based index in the input file and the fields the stage adds. */
export interface JournalEntry {
  i: number;
  r: Record<string, unknown>;
}

/**
 * Reads `path` if it exists: the header and the finished entries by index (`undefined` when absent). The file
 * is streamed a line at a time (a journal of 128K-token records can outgrow what one string or buffer holds).
 */
export async function readJournal(
  path: string,
  expected: JournalHeader,
): Promise<{ entries: Map<number, JournalEntry>; validBytes: number; size: number } | undefined> {
  const entries = new Map<number, JournalEntry>();
  let validBytes = 0;
  let size = 0;
  let line = 0;
  /** One line, starting at byte `start`, without its "\n" (`ended` when it had one; else it is the last). */
  const take = (bytes: Buffer, start: number, ended: boolean): void => {
    const text = bytes.toString("utf8");
    line++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      // Only the last line can be torn by a crash; anything earlier is damage we must not paper over.
      if (!ended) return;
      throw new InputError(`invalid JSON in the ${kindName(expected)}: ${(e as Error).message}`, {
        file: path,
        line,
      });
    }
    if (line === 1) checkHeader(value, expected, path);
    else {
      const entry = value as JournalEntry;
      if (!Number.isInteger(entry?.i) || typeof entry.r !== "object" || entry.r === null)
        throw new InputError("expected a journal entry {i, r}", { file: path, line });
      if (!entries.has(entry.i)) entries.set(entry.i, entry);
    }
    // A complete last line without its newline counts as valid (the newline is added on open); a torn one not.
    validBytes = ended ? start + bytes.length + 1 : start + bytes.length;
  };
  const input = createReadStream(path);
  try {
    let parts: Buffer[] = [];
    let lineStart = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let from = 0;
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, from)) {
        const head = chunk.subarray(from, nl);
        const bytes = parts.length === 0 ? head : Buffer.concat([...parts, head]);
        parts = [];
        take(bytes, lineStart, true);
        lineStart += bytes.length + 1;
        from = nl + 1;
      }
      if (from < chunk.length) parts.push(chunk.subarray(from));
      size += chunk.length;
    }
    if (parts.length > 0) take(Buffer.concat(parts), lineStart, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  } finally {
    input.destroy();
  }
  return { entries, validBytes, size };
}

/** "rollout journal" for {@link JOURNAL_KIND}, "reason journal" for "keychain-synth reason journal". */
function kindName(expected: JournalHeader): string {
  return expected.journal.replace(/^keychain-synth /, "");
}

function checkHeader(value: unknown, expected: JournalHeader, path: string): void {
  const header = value as Partial<JournalHeader> | null;
  if (header === null || typeof header !== "object" || header.journal !== expected.journal)
    throw new InputError(`expected a ${kindName(expected)} header on line 1`, { file: path, line: 1 });
  if (header.fingerprint === expected.fingerprint) return;
  const was = header.settings ?? {};
  const diffs = Object.keys({ ...was, ...expected.settings })
    .filter((k) => JSON.stringify(was[k]) !== JSON.stringify(expected.settings[k]))
    .map((k) => `${k}: journal ${JSON.stringify(was[k])}, now ${JSON.stringify(expected.settings[k])}`);
  throw new ConfigError(
    `Cannot resume from the journal "${path}": it was written with different settings (${diffs.join("; ") || "fingerprint differs"}). Rerun with the same options, or delete the journal to start over.`,
  );
}

/** An append-only journal file; every line is written and synced before `append` resolves. */
export class JournalWriter {
  private chain: Promise<void> = Promise.resolve();
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Opens `path` for appending. A fresh journal gets `header`; an existing one is cut back to `validBytes`
   * (dropping a torn last line) and given a final newline if its last complete line lacks one.
   */
  static async open(
    path: string,
    header: JournalHeader,
    existing: { validBytes: number; size: number } | undefined,
  ): Promise<JournalWriter> {
    if (existing && existing.validBytes < existing.size) await truncate(path, existing.validBytes);
    const fresh = existing === undefined || existing.validBytes === 0;
    const handle = await open(path, fresh ? "w" : "a+");
    const writer = new JournalWriter(handle);
    if (fresh) await writer.append(header);
    else {
      const { size } = await handle.stat();
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write("\n");
    }
    return writer;
  }

  /** Appends one JSON line; appends are serialised so lines never interleave. */
  append(value: unknown): Promise<void> {
    const text = `${JSON.stringify(value)}\n`;
    const next = this.chain.then(async () => {
      await this.handle.write(text);
      await this.handle.datasync();
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}
