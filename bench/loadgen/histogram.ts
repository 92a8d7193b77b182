/**
 * A small log-bucket histogram of non-negative integers (the load generator records
 * microseconds). Values below 64 have their own bucket; above, each power of two is split into
 * 32 buckets, so a reported percentile is within ~3% of the true value. Exact min, max, count
 * and sum are kept alongside. Histograms from several processes merge by adding buckets.
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS; // 32 buckets per power of two
const MAX_VALUE = 2 ** 31 - 1;
const BUCKETS = (31 - SUB_BITS) * SUB + 2 * SUB;

/** Wire form: sparse [bucket, count] pairs plus the exact summary. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function bucketOf(value: number): number {
  const v = Math.min(MAX_VALUE, Math.max(0, Math.floor(value)));
  if (v < 2 * SUB) return v;
  const exp = 31 - Math.clz32(v); // v in [2^exp, 2^(exp+1)), exp >= SUB_BITS + 1
  const shift = exp - SUB_BITS;
  return shift * SUB + (v >>> shift);
}

/** Smallest and largest value that fall in a bucket. */
export function bucketRange(index: number): [number, number] {
  if (index < 2 * SUB) return [index, index];
  const shift = Math.floor(index / SUB) - 1;
  const sub = index - shift * SUB;
  return [sub * 2 ** shift, (sub + 1) * 2 ** shift - 1];
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  record(value: number): void {
    const v = Math.max(value, 0);
    this.counts[bucketOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /**
   * The value at quantile q (0..1): the upper bound of the bucket that holds the rank, never more
   * than the exact max (so p100 = max). 0 when empty.
   */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, bucketRange(i)[1]));
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  merge(other: Histogram | HistogramData): this {
    const h = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, c] of h.buckets) this.counts[i]! += c;
    if (h.count > 0) {
      this.count += h.count;
      this.sum += h.sum;
      if (h.min < this.min) this.min = h.min;
      if (h.max > this.max) this.max = h.max;
    }
    return this;
  }

  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c > 0) buckets.push([i, c]);
    }
    return {
      buckets,
      count: this.count,
      sum: this.sum,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
    };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}
