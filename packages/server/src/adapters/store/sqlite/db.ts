import Database from 'better-sqlite3';

export type Db = Database.Database;
export type Stmt = Database.Statement;
// biome-ignore lint/suspicious/noExplicitAny: mirrors better-sqlite3's own constraint
export type Tx<F extends (...args: any[]) => unknown> = Database.Transaction<F>;

/**
 * Opens the database file with the settings the store relies on: WAL (readers never block the
 * writer), synchronous=FULL (a COMMIT that returned is on disk), foreign keys, and a busy timeout
 * for the rare second process (`parley migrate` next to a running server).
 */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Prepared statements by SQL text, prepared once on first use. */
export class Statements {
  readonly #db: Db;
  readonly #cache = new Map<string, Stmt>();
  constructor(db: Db) {
    this.#db = db;
  }
  get(sql: string): Stmt {
    let s = this.#cache.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#cache.set(sql, s);
    }
    return s;
  }
}
