/**
 * Throwaway PostgreSQL databases for tests, on the server at PARLEY_TEST_PG_URL (default
 * `postgres://postgres@127.0.0.1:5432/postgres`). A test that needs PostgreSQL fails with
 * instructions when the server is not running: it never skips.
 *
 * @example
 * const db = await createTestDatabase('store');
 * const store = new PostgresStore({ url: db.url });
 * // ...
 * await db.drop();
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL =
  process.env.PARLEY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const HOW_TO_START =
  'PostgreSQL is not reachable at ' +
  `${ADMIN_URL.replace(/\/\/[^@]*@/, '//')}. Start it with ` +
  '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` ' +
  '(or set PARLEY_TEST_PG_URL to a server where this role may CREATE DATABASE).';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`${HOW_TO_START} (${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The URL of another database on the admin server. */
export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh, empty database `parley_test_<tag>_<random>`. */
export async function createTestDatabase(tag: string): Promise<TestDatabase> {
  const name = `parley_test_${tag}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** Terminates every connection to the database but the caller's (an admin shutdown, 57P01). */
export function terminateConnections(name: string): Promise<number> {
  return admin(async (c) => {
    const { rows } = await c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
    return rows.length;
  });
}
