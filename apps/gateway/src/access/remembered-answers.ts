/** How long answers are kept, how many, and what time it is; tests shorten them. */
export interface RememberLimits {
  ttlMs: number;
  maxRemembered: number;
  now: () => number;
}

/**
 * Answers of another service kept for a while, for questions asked on every request (who owns
 * this monitor, what role this caller has). Each lives at most `ttlMs`, in case a change notice
 * was missed; at most `maxRemembered` are kept, the oldest going first. An answer fetched while
 * a change was heard is used once but not kept: it may predate the change.
 */
export class RememberedAnswers<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private changes = 0;

  constructor(private readonly limits: RememberLimits) {}

  /** The remembered answer when it is fresh and `usable`, else `fetch`'s, then remembered. */
  async recall(
    key: string,
    fetch: () => Promise<V>,
    usable: (value: V) => boolean = () => true,
  ): Promise<V> {
    const known = this.entries.get(key);
    if (known && known.until > this.limits.now() && usable(known.value)) return known.value;
    const changesBefore = this.changes;
    const value = await fetch();
    if (this.changes === changesBefore) this.remember(key, value);
    return value;
  }

  /** Forgets one answer. */
  forgetKey(key: string): void {
    this.changes++;
    this.entries.delete(key);
  }

  /** Forgets the answers `matches` picks (a scan of all), or all of them. */
  forget(matches?: (key: string, value: V) => boolean): void {
    this.changes++;
    if (!matches) return this.entries.clear();
    for (const [key, entry] of this.entries)
      if (matches(key, entry.value)) this.entries.delete(key);
  }

  private remember(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.limits.now() + this.limits.ttlMs });
    if (this.entries.size <= this.limits.maxRemembered) return;
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
