/**
 * One token bucket per key: `perMinute` tokens, refilled evenly over the minute, so a client
 * may burst up to the limit and then goes at the steady rate. Memory is bounded: past
 * `maxKeys`, the least recently used bucket is dropped (it would have refilled anyway unless
 * used within the last minute).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 100_000,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** 0 when the key has a token now; otherwise the milliseconds until it has one. */
  waitMs(key: string, now: number): number {
    const tokens = this.tokensAt(key, now);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.perMs);
  }

  /** Takes a token (call after `waitMs` answered 0). */
  take(key: string, now: number): void {
    const tokens = this.tokensAt(key, now);
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size <= this.maxKeys) return;
    const oldest = this.buckets.keys().next().value;
    if (oldest !== undefined) this.buckets.delete(oldest);
  }

  private tokensAt(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.perMinute;
    return Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
  }
}
