import type pg from 'pg';
import { query } from '../postgres/db.js';

/**
 * The shard map: which conversation shard holds a conversation, kept in
 * `conversation_placements` on the directory database. A placement never changes once written,
 * so lookups are cached for the life of the process.
 */
export class Placements {
  readonly #db: pg.Pool;
  readonly #cache = new Map<string, number>();
  readonly #cacheMax: number;

  constructor(db: pg.Pool, cacheMax = 100_000) {
    this.#db = db;
    this.#cacheMax = cacheMax;
  }

  /** The shard of the conversation, or null when it was never placed. */
  async lookup(conv: string): Promise<number | null> {
    const cached = this.#cache.get(conv);
    if (cached !== undefined) return cached;
    const [r] = await query<{ shard: number }>(
      this.#db,
      'SELECT shard FROM conversation_placements WHERE conv = $1',
      [conv],
    );
    if (r === undefined) return null;
    this.#remember(conv, r.shard);
    return r.shard;
  }

  /**
   * Places a new conversation on `shard`. For a direct conversation whose key is placed already
   * (perhaps by another node a moment ago), returns that placement instead: the caller must
   * create it under the returned id, on the returned shard.
   */
  async place(
    conv: string,
    shard: number,
    directKey: string | null,
  ): Promise<{ conv: string; shard: number }> {
    const [ins] = await query<{ conv: string; shard: number }>(
      this.#db,
      `INSERT INTO conversation_placements (conv, shard, direct_key, created_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING conv, shard`,
      [conv, shard, directKey, Date.now()],
    );
    // On a conflict the statement waited for the other writer to commit; a new statement's
    // snapshot sees its row.
    const [r] =
      ins !== undefined
        ? [ins]
        : await query<{ conv: string; shard: number }>(
            this.#db,
            `SELECT conv, shard FROM conversation_placements
             WHERE direct_key = $1 OR conv = $2 ORDER BY (direct_key = $1) DESC NULLS LAST LIMIT 1`,
            [directKey, conv],
          );
    if (r === undefined) throw new Error(`placement of ${conv} vanished`);
    this.#remember(r.conv, r.shard);
    return r;
  }

  #remember(conv: string, shard: number): void {
    if (this.#cache.size >= this.#cacheMax) this.#cache.clear();
    this.#cache.set(conv, shard);
  }
}
