import { ParleyError } from '@parley/protocol';

const UNAVAILABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
  'SQLITE_READONLY',
]);

function sqliteCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

/** Whether e is a unique-constraint violation (optionally on the given `table.column`). */
export function isUniqueViolation(e: unknown, column?: string): boolean {
  const code = sqliteCode(e);
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
  return column === undefined || (e as Error).message.includes(column);
}

/**
 * Maps a database error to the store contract: lock, I/O and open failures are retryable
 * `unavailable`; unique violations are `conflict`; ParleyErrors pass through; anything else is
 * returned unchanged (a bug, reported as `internal` by the caller).
 */
export function mapError(e: unknown): unknown {
  if (e instanceof ParleyError) return e;
  const code = sqliteCode(e);
  if (code === undefined) return e;
  const base = code.split('_').slice(0, 2).join('_');
  if (UNAVAILABLE.has(base) || UNAVAILABLE.has(code)) {
    return new ParleyError('unavailable', `storage unavailable (${code})`);
  }
  if (isUniqueViolation(e)) return new ParleyError('conflict');
  return e;
}
