/**
 * The event loop's budget for committing appends itself (ADR 0005, 0008, 0016): `ms` of commit
 * time in every window of `windowMs`. A slow commit (the disk is busy) is charged more, so that
 * a few of them end the window and the writer thread takes over.
 */
export interface InlineBudget {
  ms: number;
  windowMs: number;
  /**
   * An inline commit is slow when it takes `slowMs` or more and `slowFactor` times the typical
   * inline commit or more (ADR 0016: slow for this disk, not for some other one). A slow commit
   * is charged at least `slowChargeMs`.
   */
  slowMs: number;
  slowFactor: number;
  slowChargeMs: number;
}

/**
 * 10 % of the event loop. A commit of 2 ms or more, and three times the typical one or more, is
 * charged 25 ms, so the fourth slow commit in a window ends it: a disk that turns busy moves
 * commits to the thread at once, but one stray slow fsync (a checkpoint's, on this same disk)
 * does not send a quiet server's next second of commits through the thread, which costs
 * ~160-250 µs of CPU more per commit. A disk whose every fsync takes 1.5 ms is not busy: its
 * commits are charged what they take, and the 100 ms still bound the event loop's share.
 */
export const INLINE_BUDGET: InlineBudget = {
  ms: 100,
  windowMs: 1000,
  slowMs: 2,
  slowFactor: 3,
  slowChargeMs: 25,
};

/** Weight of each new inline commit in the typical commit time (an exponential average). */
const TYPICAL_WEIGHT = 1 / 16;

/**
 * Keeps the account of an `InlineBudget`: what the current window has used, and the typical
 * inline commit time that tells a slow commit from an ordinary one on this disk.
 */
export class InlineBudgetMeter {
  readonly #budget: InlineBudget;
  #window = Number.NaN;
  #usedMs = 0;
  /**
   * An exponential average of inline commit times. Each commit moves it by at most
   * `TYPICAL_WEIGHT` of itself (a commit is counted as at most twice the typical), so a few
   * stalls do not raise it; a disk that stays slower raises it over a few dozen commits, while
   * the budget keeps bounding what the event loop spends.
   */
  #typicalMs: number;

  constructor(budget: InlineBudget) {
    this.#budget = budget;
    // Until commits have been seen, slow is `slowMs`.
    this.#typicalMs = budget.slowFactor > 0 ? budget.slowMs / budget.slowFactor : 0;
  }

  /** Whether the window of `nowMs` has budget left (a new window starts with all of it). */
  left(nowMs: number): boolean {
    const window = Math.floor(nowMs / this.#budget.windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#usedMs = 0;
    }
    return this.#usedMs < this.#budget.ms;
  }

  /** Charges an inline commit that took `tookMs`; returns whether it counted as slow. */
  charge(tookMs: number): boolean {
    const b = this.#budget;
    const slow = tookMs >= Math.max(b.slowMs, b.slowFactor * this.#typicalMs);
    this.#usedMs += slow ? Math.max(tookMs, b.slowChargeMs) : tookMs;
    const t = this.#typicalMs;
    this.#typicalMs = t + (Math.min(tookMs, 2 * t) - t) * TYPICAL_WEIGHT;
    return slow;
  }

  /** The typical inline commit time so far, ms. */
  get typicalMs(): number {
    return this.#typicalMs;
  }
}
