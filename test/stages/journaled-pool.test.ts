import { describe, expect, it } from "vitest";
import { WriteError } from "../../src/errors.js";
import { runJournaled } from "../../src/stages/journaled-pool.js";
import type { JournalWriter } from "../../src/stages/rollout-journal.js";

const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

/** A journal whose appends fail as on a full disk; `closeFails` makes closing fail too. */
function fullJournal(closeFails = false): JournalWriter {
  return {
    append: async () => {
      throw enospc();
    },
    close: async () => {
      if (closeFails) throw enospc();
    },
  } as unknown as JournalWriter;
}

function run(journal: JournalWriter) {
  return runJournaled({
    pending: [{ index: 0, item: "a" }],
    total: 1,
    alreadyDone: 0,
    journal,
    journalPath: "out/x.jsonl.partial.jsonl",
    done: new Map(),
    deps: { pool: { chat: async () => ({}) as never, options: { concurrency: 2 } as never } },
    work: async () => ({ ok: true }),
    stage: "Rollout",
    requests: "Rollout",
    interrupted: (m) => new Error(m),
  });
}

describe("runJournaled on a full disk", () => {
  it("a journal that cannot be written is a WriteError naming it, not a failed request", async () => {
    const error = await run(fullJournal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toBe(
      'Cannot write "out/x.jsonl.partial.jsonl": no space left on device (ENOSPC)',
    );
  });

  it("a failure to close the journal does not hide the error that stopped the run", async () => {
    const error = await run(fullJournal(true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe("ENOSPC");
  });
});
