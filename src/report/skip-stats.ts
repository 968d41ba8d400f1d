export interface SkipStats {
  total: number;
  /** Reasons with digits replaced by `N`, most frequent first (ties by reason). */
  reasons: { reason: string; count: number }[];
}

/** The {@link SkipStats} of one group, one skipped sample at a time. */
export class SkipAccumulator {
  private readonly reasons = new Map<string, number>();
  private total = 0;

  add(reason: string): void {
    const key = reason.replace(/\d+/g, "N");
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
    this.total++;
  }

  /** `null` without skips. */
  finish(): SkipStats | null {
    if (this.total === 0) return null;
    return {
      total: this.total,
      reasons: [...this.reasons]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0)),
    };
  }
}
