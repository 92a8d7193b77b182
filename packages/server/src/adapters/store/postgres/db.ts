import pg from 'pg';
import { mapError } from './errors.js';

/** Anything that runs a query: the pool, or a client checked out of it. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long to wait for a connection before failing with `unavailable` (ms, default 5000). */
  connectionTimeoutMillis?: number;
  /** Idle connections are closed after this (ms, default 30000). */
  idleTimeoutMillis?: number;
  /** Server-side statement timeout (ms, default 30000). */
  statementTimeoutMillis?: number;
  /** Reported in pg_stat_activity (default 'parley'). */
  applicationName?: string;
}

const INT8 = 20;

/**
 * bigint columns (pos, ts, counts) come back as numbers: every value the store keeps in one
 * fits in 2^53. Per pool, so nothing global is changed.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens a pool on the URL. Connection errors of idle clients (a server restart) are absorbed:
 * the pool drops the broken client and the next query connects again, so the store recovers by
 * itself once PostgreSQL is back.
 */
export function openPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
    statement_timeout: opts.statementTimeoutMillis ?? 30_000,
    application_name: opts.applicationName ?? 'parley',
    keepAlive: true,
    types,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool has removed it already.
  });
  return pool;
}

/**
 * Runs fn in one transaction on a client of its own. COMMIT returning means durable with the
 * server's default synchronous_commit=on. Errors are mapped to the store contract; a client
 * whose connection broke is destroyed instead of returned to the pool.
 */
export async function transaction<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw mapError(e);
  }
  let broken: Error | undefined;
  const onError = (e: Error) => {
    broken = e;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    try {
      if (broken === undefined) await client.query('ROLLBACK');
    } catch (e2) {
      broken = e2 instanceof Error ? e2 : new Error(String(e2));
    }
    throw mapError(e);
  } finally {
    client.off('error', onError);
    client.release(broken ?? false);
  }
}

/** Runs one statement on the pool, mapping errors to the store contract. */
export async function query<R extends pg.QueryResultRow>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  try {
    return (await db.query<R>(sql, params)).rows;
  } catch (e) {
    throw mapError(e);
  }
}

/**
 * Keys of the transaction-level advisory locks (pg_advisory_xact_lock(KEY_SPACE, key)).
 * MIGRATE: one node migrates at a time. APPEND: every transaction that writes events holds it,
 * so pos is assigned and committed in one order across nodes (docs/adr/0002).
 */
export const LOCK = { space: 0x70617266, migrate: 1, append: 2 } as const;
