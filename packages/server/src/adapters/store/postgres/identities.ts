import { ParleyError } from '@parley/protocol';
import type pg from 'pg';
import type { IdentityLink, TicketRecord } from '../../../ports/store.js';
import { query } from './db.js';
import { isUniqueViolation } from './errors.js';

const COLUMNS = 'issuer, subject, user_id, email, created_at';

/** External identity links and one-time tickets. */
export class Identities {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async linkIdentity(l: Omit<IdentityLink, 'created_at'>): Promise<IdentityLink> {
    const created_at = Date.now();
    try {
      await this.#pool.query(`INSERT INTO identities (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
        l.issuer,
        l.subject,
        l.user_id,
        l.email,
        created_at,
      ]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ParleyError('conflict', 'identity linked already');
      throw e;
    }
    return { ...l, created_at };
  }

  async getIdentity(issuer: string, subject: string): Promise<IdentityLink | null> {
    const [r] = await query<IdentityLink>(
      this.#pool,
      `SELECT ${COLUMNS} FROM identities WHERE issuer = $1 AND subject = $2`,
      [issuer, subject],
    );
    return r ?? null;
  }

  async findIdentityByEmail(email: string): Promise<IdentityLink | null> {
    const [r] = await query<IdentityLink>(
      this.#pool,
      `SELECT ${COLUMNS} FROM identities WHERE email = $1 ORDER BY created_at, issuer LIMIT 1`,
      [email],
    );
    return r ?? null;
  }

  async putTicket(t: TicketRecord): Promise<void> {
    try {
      await this.#pool.query(
        'INSERT INTO tickets (id, kind, data, expires_at) VALUES ($1, $2, $3, $4)',
        [t.id, t.kind, t.data, t.expires_at],
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw new ParleyError('conflict', 'ticket exists');
      throw e;
    }
  }

  async takeTicket(id: string, kind: string, now: number): Promise<string | null> {
    await query(this.#pool, 'DELETE FROM tickets WHERE expires_at <= $1', [now]);
    const [r] = await query<{ data: string }>(
      this.#pool,
      'DELETE FROM tickets WHERE id = $1 AND kind = $2 AND expires_at > $3 RETURNING data',
      [id, kind, now],
    );
    return r?.data ?? null;
  }
}
