/**
 * Round-robin over server replicas, skipping a replica that failed until its backoff has passed. The
 * backoff doubles with each consecutive failure and resets on a success. Time comes from `now`.
 */

export interface ReplicaBackoff {
  /** Time a replica is avoided after its first consecutive failure. @unit ms @default 1000 */
  baseMs: number;
  /** Cap on the doubling. @unit ms @default 30000 */
  maxMs: number;
}

export const DEFAULT_REPLICA_BACKOFF: Readonly<ReplicaBackoff> = Object.freeze({
  baseMs: 1000,
  maxMs: 30_000,
});

interface Health {
  failures: number;
  downUntil: number;
}

export class ReplicaSet<T> {
  readonly items: readonly T[];
  private readonly health: Health[];
  private cursor = 0;

  constructor(
    items: readonly T[],
    private readonly now: () => number,
    private readonly backoff: Readonly<ReplicaBackoff> = DEFAULT_REPLICA_BACKOFF,
  ) {
    if (items.length === 0) throw new RangeError("ReplicaSet needs at least one replica");
    this.items = items;
    this.health = items.map(() => ({ failures: 0, downUntil: 0 }));
  }

  /** Index of the next healthy replica in round-robin order; when all are backed off, the one back soonest. */
  pick(): number {
    const n = this.items.length;
    const now = this.now();
    let soonest = this.cursor % n;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const h = this.health[i] as Health;
      if (h.downUntil <= now) {
        this.cursor = i + 1;
        return i;
      }
      if (h.downUntil < (this.health[soonest] as Health).downUntil) soonest = i;
    }
    this.cursor = soonest + 1;
    return soonest;
  }

  /** Whether some replica other than `index` is not backed off right now. */
  hasHealthyOther(index: number): boolean {
    const now = this.now();
    return this.health.some((h, i) => i !== index && h.downUntil <= now);
  }

  /** Records a failure of the server (not of the request): the replica is avoided for a while. */
  fail(index: number): void {
    const h = this.health[index] as Health;
    h.failures++;
    const wait = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (h.failures - 1));
    h.downUntil = this.now() + wait;
  }

  succeed(index: number): void {
    const h = this.health[index] as Health;
    h.failures = 0;
    h.downUntil = 0;
  }
}
