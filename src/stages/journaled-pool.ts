import { pooledMap } from "../async/pool.js";
import { InputError, isSystemError, KeychainError, RemoteError, systemErrorText } from "../errors.js";
import { toWriteError } from "../io/atomic.js";
import type { StageDeps } from "./deps.js";
import { type JournalEntry, type JournalHeader, JournalWriter, readJournal } from "./rollout-journal.js";

/**
 * {@link readJournal}, with a journal that cannot be read (a folder in its place, no permission) reported as an
 * {@link InputError} naming it rather than as a bare system error.
 */
export async function readStageJournal(path: string, header: JournalHeader): ReturnType<typeof readJournal> {
  try {
    return await readJournal(path, header);
  } catch (e) {
    if (!isSystemError(e)) throw e;
    const text = systemErrorText(e.code) ?? e.message;
    throw new InputError(`cannot read the journal: ${text} (${e.code})`, { file: path }, { cause: e });
  }
}

/** {@link JournalWriter.open}, with a failure reported as a {@link WriteError} naming the journal. */
export async function openStageJournal(
  path: string,
  header: JournalHeader,
  existing: Awaited<ReturnType<typeof readJournal>>,
): Promise<JournalWriter> {
  try {
    return await JournalWriter.open(path, header, existing);
  } catch (e) {
    throw toWriteError(path, e);
  }
}

export interface JournaledRun<T> {
  /** Work still to do, each with its record index. */
  pending: readonly { index: number; item: T }[];
  /** Records in the run (done before plus pending), for progress and messages. */
  total: number;
  /** Records already in the journal when the run started. */
  alreadyDone: number;
  journal: JournalWriter;
  journalPath: string;
  /** Finished entries by record index; new ones are added as they are journaled. */
  done: Map<number, JournalEntry>;
  deps: StageDeps;
  /** One record's result. Throwing stops the run: the signal aborts the other records' requests in flight. */
  work: (item: T, signal: AbortSignal) => Promise<Record<string, unknown>>;
  /** Messages: `${stage} interrupted: …` and `${requests} request failed: …`, e.g. "Rollout", "Rollout". */
  stage: string;
  requests: string;
  interrupted: (message: string) => Error;
}

/**
 * Run an LLM stage's pending records over the pool's concurrency, appending each result to the journal as
 * it finishes (so a crash or Ctrl-C loses nothing), then close the journal once nothing is in flight.
 * Ctrl-C throws the stage's interrupted error; the first failure is rethrown with how many records are
 * kept and how to resume. Returns the number of records finished, the resumed ones included.
 */
export async function runJournaled<T>(run: JournaledRun<T>): Promise<number> {
  const { deps } = run;
  let finished = run.alreadyDone;
  let firstError: unknown;
  // Results are journaled as each call finishes, in finishing order; the pool's ordered output is unused.
  const calls = pooledMap(
    deps.pool.options.concurrency,
    run.pending,
    async ({ index, item }, _position, signal) => {
      const r = await run.work(item, signal);
      // A journal that cannot be written (full disk) is a WriteError naming it, not a failed request.
      await run.journal.append({ i: index, r }).catch((e: unknown) => {
        throw toWriteError(run.journalPath, e);
      });
      run.done.set(index, { i: index, r });
      deps.onProgress?.(++finished, run.total);
    },
    deps.signal ? { signal: deps.signal } : {},
  );
  try {
    for await (const _ of calls);
  } catch (error) {
    firstError = error;
  } finally {
    // A failure to close must not hide the error that stopped the run.
    await run.journal.close().catch((e: unknown) => {
      firstError ??= toWriteError(run.journalPath, e);
    });
  }
  const kept = `${finished} of ${run.total} records are kept in "${run.journalPath}"; rerun the same command to resume`;
  if (deps.signal?.aborted) throw run.interrupted(`${run.stage} interrupted: ${kept}.`);
  if (firstError !== undefined) {
    if (firstError instanceof RemoteError)
      throw new RemoteError(`${firstError.message} (${kept})`, firstError.url, firstError.status, {
        cause: firstError,
      });
    if (firstError instanceof KeychainError) throw firstError;
    throw new RemoteError(
      `${run.requests} request failed: ${(firstError as Error)?.message ?? String(firstError)} (${kept})`,
      "",
      undefined,
      { cause: firstError },
    );
  }
  return finished;
}
