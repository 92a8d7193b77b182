import { ParleyError } from '@parley/protocol';
import type { IdentityLink, TicketRecord } from '../../../ports/store.js';
import type { Db, Statements, Tx } from './db.js';
import { isUniqueViolation } from './errors.js';

const COLUMNS = 'issuer, subject, user_id, email, created_at';

/** External identity links and one-time tickets. */
export class Identities {
  readonly #st: Statements;
  readonly #take: Tx<(id: string, kind: string, now: number) => string | null>;

  constructor(db: Db, st: Statements) {
    this.#st = st;
    this.#take = db.transaction((id: string, kind: string, now: number) => {
      st.get('DELETE FROM tickets WHERE expires_at <= ?').run(now);
      const r = st
        .get('DELETE FROM tickets WHERE id = ? AND kind = ? RETURNING data')
        .get(id, kind) as { data: string } | undefined;
      return r?.data ?? null;
    });
  }

  linkIdentity(l: Omit<IdentityLink, 'created_at'>): IdentityLink {
    const created_at = Date.now();
    try {
      this.#st
        .get(`INSERT INTO identities (${COLUMNS}) VALUES (?, ?, ?, ?, ?)`)
        .run(l.issuer, l.subject, l.user_id, l.email, created_at);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ParleyError('conflict', 'identity linked already');
      throw e;
    }
    return { ...l, created_at };
  }

  getIdentity(issuer: string, subject: string): IdentityLink | null {
    const r = this.#st
      .get(`SELECT ${COLUMNS} FROM identities WHERE issuer = ? AND subject = ?`)
      .get(issuer, subject) as IdentityLink | undefined;
    return r ?? null;
  }

  findIdentityByEmail(email: string): IdentityLink | null {
    const r = this.#st
      .get(`SELECT ${COLUMNS} FROM identities WHERE email = ? ORDER BY created_at, issuer LIMIT 1`)
      .get(email) as IdentityLink | undefined;
    return r ?? null;
  }

  putTicket(t: TicketRecord): void {
    try {
      this.#st
        .get('INSERT INTO tickets (id, kind, data, expires_at) VALUES (?, ?, ?, ?)')
        .run(t.id, t.kind, t.data, t.expires_at);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ParleyError('conflict', 'ticket exists');
      throw e;
    }
  }

  takeTicket(id: string, kind: string, now: number): string | null {
    return this.#take(id, kind, now);
  }
}
