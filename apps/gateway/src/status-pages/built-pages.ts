/** How long built pages are served, when they are rebuilt, how many are kept; tests shorten them. */
export interface BuiltPageLimits {
  /** A page is never served longer than this after its build began (what was read is older). */
  ttlMs: number;
  /**
   * From this age on, a request still gets the page at once but also starts its rebuild in the
   * background: a page asked for at least once per `ttlMs - refreshAfterMs` never expires.
   */
  refreshAfterMs: number;
  /** Pages kept at most, found or not: a scan of random slugs must not grow memory. */
  maxPages: number;
  /** Bytes kept at most over all pages (`sizeOf`): any account can publish large pages. */
  maxBytes: number;
  now: () => number;
}

interface Kept<V> {
  value: V;
  bytes: number;
  /** When the build that made it began: its age is counted from what it read. */
  builtAt: number;
}

/**
 * Pages built from other services' answers, kept briefly and rebuilt ahead of their expiry.
 * A page younger than `refreshAfterMs` is served as it is; up to `ttlMs` it is served as it is
 * while one rebuild runs in the background; older (or never built), the request waits for the
 * build. Builds are single-flight: however many requests miss one page at once, they share one
 * build. Kept pages are bounded by count and by bytes, least recently served going first.
 */
export class BuiltPages<V> {
  /** In order of last use: the first is the first to go. */
  private readonly kept = new Map<string, Kept<V>>();
  private readonly building = new Map<string, Promise<V>>();
  private keptBytes = 0;

  constructor(
    private readonly limits: BuiltPageLimits,
    private readonly build: (key: string) => Promise<V>,
    private readonly sizeOf: (value: V) => number,
    /** A background rebuild failed: the kept page is served until its `ttlMs`, then rebuilt. */
    private readonly refreshFailed: (key: string, err: unknown) => void,
  ) {}

  /** The page, as kept when it is fresh enough, else from a build (shared with any running). */
  get(key: string): Promise<V> {
    const kept = this.kept.get(key);
    if (kept) {
      const age = this.limits.now() - kept.builtAt;
      if (age < this.limits.ttlMs) {
        if (age >= this.limits.refreshAfterMs && !this.building.has(key))
          this.rebuild(key).catch((err: unknown) => this.refreshFailed(key, err));
        // Last used now: the bound drops the pages nobody reads first.
        this.kept.delete(key);
        this.kept.set(key, kept);
        return Promise.resolve(kept.value);
      }
    }
    return this.building.get(key) ?? this.rebuild(key);
  }

  /** Drops a page (it changed): the next request builds it anew, not joining a running build. */
  forget(key: string): void {
    // A build begun before is still answered to its waiters, but no longer registered: not kept.
    this.building.delete(key);
    this.drop(key);
  }

  /** Drops every page and running build (changes may have been missed). */
  forgetAll(): void {
    this.building.clear();
    this.kept.clear();
    this.keptBytes = 0;
  }

  /** Pages and bytes kept now. */
  get size(): { pages: number; bytes: number } {
    return { pages: this.kept.size, bytes: this.keptBytes };
  }

  private rebuild(key: string): Promise<V> {
    const builtAt = this.limits.now();
    const running = this.build(key).then(
      (value) => {
        // Kept only while still this key's build: `forget` unregisters one that read too early
        // (per key, so one page's changes never stop another's builds from being kept).
        if (this.building.get(key) === running) {
          this.building.delete(key);
          this.keep(key, value, builtAt);
        }
        return value;
      },
      (err: unknown) => {
        if (this.building.get(key) === running) this.building.delete(key);
        throw err;
      },
    );
    this.building.set(key, running);
    return running;
  }

  private keep(key: string, value: V, builtAt: number): void {
    this.drop(key);
    const bytes = this.sizeOf(value);
    // A page larger than the whole budget is served to its requests but never kept.
    if (bytes > this.limits.maxBytes) return;
    this.kept.set(key, { value, bytes, builtAt });
    this.keptBytes += bytes;
    for (const oldest of this.kept.keys()) {
      if (this.kept.size <= this.limits.maxPages && this.keptBytes <= this.limits.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const kept = this.kept.get(key);
    if (!kept) return;
    this.kept.delete(key);
    this.keptBytes -= kept.bytes;
  }
}
