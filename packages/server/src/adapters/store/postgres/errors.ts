import { ParleyError } from '@parley/protocol';

/** Node socket errors that mean the server cannot be reached right now. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs that are retryable: the server is going away, starting, overloaded, a timeout, or a
 * serialization failure the caller can simply retry. */
const RETRY_STATES = new Set([
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '40001',
  '40P01',
  '55P03',
]);

/** Messages node-postgres uses for connection failures that carry no code. */
const RETRY_MESSAGES = [
  'Connection terminated',
  'connection error',
  'not queryable',
  'timeout exceeded when trying to connect',
  'Query read timeout',
];

function code(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

/** Whether e is a unique violation (optionally of the named constraint). */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (code(e) !== '23505') return false;
  return constraint === undefined || (e as { constraint?: string }).constraint === constraint;
}

/** Whether e means the database is unreachable or the attempt may simply be retried. */
export function isUnavailable(e: unknown): boolean {
  const c = code(e);
  if (c !== undefined && (NET_CODES.has(c) || RETRY_STATES.has(c) || c.startsWith('08'))) {
    return true;
  }
  const msg = e instanceof Error ? e.message : '';
  return c === undefined && RETRY_MESSAGES.some((m) => msg.includes(m));
}

/**
 * Maps a database error to the store contract: connection failures and retryable states are
 * `unavailable`; unique violations are `conflict`; ParleyErrors pass through; anything else is
 * returned unchanged (a bug, reported as `internal` by the caller).
 */
export function mapError(e: unknown): unknown {
  if (e instanceof ParleyError) return e;
  if (isUnavailable(e)) {
    const detail = code(e) ?? (e instanceof Error ? e.message : 'error');
    return new ParleyError('unavailable', `storage unavailable (${detail})`);
  }
  if (isUniqueViolation(e)) return new ParleyError('conflict');
  // PostgreSQL text cannot hold NUL (SQLite can): reject the input rather than fail inside.
  const c = code(e);
  if (c === '22021' || c === '22P05') {
    return new ParleyError('invalid_request', 'text contains a character the database refuses');
  }
  return e;
}
