/**
 * Tasks run one after another, in the order they were added, off the caller's synchronous path (e.g. from
 * an event callback that cannot await). A failed task does not stop the ones after it; the first error is
 * kept and thrown by `drain`.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private error: unknown;
  private failed = false;

  /** Runs `task` once every task added before it has settled. */
  add(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch((e: unknown) => {
      if (!this.failed) this.error = e;
      this.failed = true;
    });
  }

  /** Waits for every task added so far; rejects with the first error any task threw. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failed) throw this.error;
  }
}
