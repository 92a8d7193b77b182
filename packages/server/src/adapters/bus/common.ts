/** Pieces shared by the bus adapters. */

/** Receives what a handler threw or a job's rejection reason, with where it happened. */
export type BusErrorListener = (error: unknown, context: string) => void;

/**
 * Milliseconds to wait before a rejected job is handed again, given how many times it has failed
 * (1 after the first failure).
 */
export type RetryDelay = (failures: number) => number;

/** Exponential backoff: `baseMs`, doubling per failure, capped at `maxMs`. */
export function backoff(baseMs: number, maxMs: number): RetryDelay {
  return (failures) => Math.min(baseMs * 2 ** Math.max(0, failures - 1), maxMs);
}

const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Whether `s` is a subject (or queue name) as the bus port defines it. */
export function isSubject(s: string): boolean {
  return SUBJECT.test(s);
}

export function assertSubject(s: string, what = 'subject'): void {
  if (!isSubject(s)) throw new TypeError(`invalid bus ${what}: ${JSON.stringify(s)}`);
}

/** Calls the listener; a listener that throws must not stop the bus. */
export function report(listener: BusErrorListener | undefined, error: unknown, context: string) {
  try {
    listener?.(error, context);
  } catch {
    // Nothing sensible is left to do with it.
  }
}
