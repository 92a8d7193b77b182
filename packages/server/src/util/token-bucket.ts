/**
 * A token bucket in one process: `ratePerS` tokens per second up to `burst`. Used for limits that
 * belong to one connection (no shared state needed). A rate of 0 or less never limits.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = Math.max(burst, ratePerS > 0 ? 1 : 0);
    this.last = now();
  }

  /** Takes `cost` tokens when available: 0. Otherwise the milliseconds until they would be. */
  take(cost = 1): number {
    if (!(this.ratePerS > 0)) return 0;
    const t = this.now();
    const cap = Math.max(this.burst, 1);
    this.tokens = Math.min(cap, this.tokens + ((t - this.last) * this.ratePerS) / 1000);
    this.last = t;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil(((cost - this.tokens) * 1000) / this.ratePerS));
  }
}
