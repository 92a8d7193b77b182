/**
 * The server's own view of a step, from two scrapes of Parley's `/metrics` (Prometheus text):
 * how its ack latency histogram moved during the measure window. The load generator's latencies
 * include its own event loop and the kernel; this one starts when the server has parsed the
 * `send` frame and ends when the `ack` is queued on the socket, so the two together tell which
 * side made the tail.
 */

/** Cumulative bucket counts of one histogram: upper bound in seconds -> count (+Inf included). */
export type Buckets = Map<number, number>;

/** The `<name>_bucket{le="…"}` lines of a Prometheus text exposition. */
export function parseBuckets(text: string, name: string): Buckets {
  const out: Buckets = new Map();
  const prefix = `${name}_bucket{le="`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const close = line.indexOf('"}', prefix.length);
    if (close < 0) continue;
    const le = line.slice(prefix.length, close);
    const count = Number(line.slice(close + 2).trim());
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    if (Number.isFinite(count) && !Number.isNaN(bound)) out.set(bound, count);
  }
  return out;
}

export interface WindowLatency {
  /** Observations between the two scrapes. */
  count: number;
  /** The latency target the share below is counted against (a bucket bound), ms. */
  targetMs: number;
  /** Share of them at or under `targetMs`. */
  withinTargetPct: number;
  /** The smallest bucket bound holding 99 % of them, in ms (Infinity: only the +Inf bucket). */
  p99AtMostMs: number;
}

/**
 * What happened between scrapes `before` and `after` of one histogram. Null when the histogram
 * is missing, nothing was observed, or `targetMs` is not one of its bucket bounds.
 */
export function windowLatency(
  before: Buckets,
  after: Buckets,
  targetMs: number,
): WindowLatency | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  const target = after.get(targetMs / 1000);
  if (bounds.length === 0 || total <= 0 || target === undefined) return null;
  const within = target - (before.get(targetMs / 1000) ?? 0);
  let p99AtMostMs = Number.POSITIVE_INFINITY;
  for (const b of bounds) {
    if ((after.get(b)! - (before.get(b) ?? 0)) / total >= 0.99) {
      p99AtMostMs = b * 1000;
      break;
    }
  }
  return { count: total, targetMs, withinTargetPct: (100 * within) / total, p99AtMostMs };
}

/** S2's ack target, and a bound of the server's histogram: the share within it is reported. */
export const ACK_TARGET_MS = 20;

/** One scrape of the ack latency histogram; null when `/metrics` does not answer. */
export async function scrapeAckBuckets(baseUrl: string): Promise<Buckets | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    return parseBuckets(await res.text(), 'parley_ack_latency_seconds');
  } catch {
    return null;
  }
}
