import type { User } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type {
  DeviceRecord,
  RefreshTokenRecord,
  UseRefreshResult,
  UserRecord,
} from '../../../ports/store.js';
import type { Db, Statements, Tx } from './db.js';
import { isUniqueViolation } from './errors.js';
import { toUser, toUserRecord, type UserRow } from './rows.js';

const USER_COLUMNS = 'id, username, display_name, password_hash, disabled, created_at';
const TOKEN_COLUMNS = 'hash, user_id, device_id, family, expires_at, used_at, revoked';

interface TokenRow extends RefreshTokenRecord {
  used_at: number | null;
  revoked: number;
}

function toToken(r: TokenRow): RefreshTokenRecord {
  return {
    hash: r.hash,
    user_id: r.user_id,
    device_id: r.device_id,
    family: r.family,
    expires_at: r.expires_at,
  };
}

/** Escapes LIKE wildcards; used with ESCAPE '\'. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Users, devices and refresh tokens. */
export class Accounts {
  readonly #db: Db;
  readonly #st: Statements;
  readonly #useRefresh: Tx<(hash: string, now: number) => UseRefreshResult>;
  readonly #revokeAll: (userId: string, now: number) => string[];

  constructor(db: Db, st: Statements) {
    this.#db = db;
    this.#st = st;
    this.#useRefresh = db.transaction((hash: string, now: number) => this.#consume(hash, now));
    this.#revokeAll = db.transaction((userId: string, now: number) => {
      const ids = (
        st
          .get(
            'UPDATE devices SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL RETURNING id',
          )
          .all(now, userId) as { id: string }[]
      ).map((r) => r.id);
      st.get('DELETE FROM refresh_tokens WHERE user_id = ?').run(userId);
      return ids;
    });
  }

  createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): UserRecord {
    const created_at = Date.now();
    try {
      this.#st
        .get(`INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, 0, ?)`)
        .run(u.id, u.username, u.display_name, u.password_hash, created_at);
    } catch (e) {
      if (isUniqueViolation(e, 'users.username')) throw new ParleyError('username_taken');
      throw e;
    }
    return { ...u, created_at, disabled: false };
  }

  getUser(id: string): UserRecord | null {
    const r = this.#st.get(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).get(id) as
      | UserRow
      | undefined;
    return r === undefined ? null : toUserRecord(r);
  }

  getUserByUsername(username: string): UserRecord | null {
    const r = this.#st.get(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`).get(username) as
      | UserRow
      | undefined;
    return r === undefined ? null : toUserRecord(r);
  }

  getUsers(ids: readonly string[]): User[] {
    if (ids.length === 0) return [];
    const rows = this.#st
      .get(`SELECT ${USER_COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as UserRow[];
    return rows.map(toUser);
  }

  /** Case-insensitive (ASCII) substring match; prefix matches of the username first. */
  searchUsers(q: string, limit: number): User[] {
    const e = escapeLike(q);
    const rows = this.#st
      .get(
        `SELECT ${USER_COLUMNS} FROM users
         WHERE disabled = 0 AND (username LIKE @any ESCAPE '\\' OR display_name LIKE @any ESCAPE '\\')
         ORDER BY username LIKE @prefix ESCAPE '\\' DESC, username LIMIT @limit`,
      )
      .all({ any: `%${e}%`, prefix: `${e}%`, limit: Math.max(0, Math.floor(limit)) }) as UserRow[];
    return rows.map(toUser);
  }

  updateUser(id: string, patch: { display_name?: string; disabled?: boolean }): void {
    this.#st
      .get(
        `UPDATE users SET display_name = coalesce(?, display_name), disabled = coalesce(?, disabled)
         WHERE id = ?`,
      )
      .run(
        patch.display_name ?? null,
        patch.disabled === undefined ? null : patch.disabled ? 1 : 0,
        id,
      );
  }

  createDevice(d: { id: string; user_id: string; name: string }): DeviceRecord {
    const created_at = Date.now();
    this.#st
      .get('INSERT INTO devices (id, user_id, name, created_at) VALUES (?, ?, ?, ?)')
      .run(d.id, d.user_id, d.name, created_at);
    return { ...d, created_at, revoked_at: null };
  }

  getDevice(id: string): DeviceRecord | null {
    const r = this.#st
      .get('SELECT id, user_id, name, created_at, revoked_at FROM devices WHERE id = ?')
      .get(id) as DeviceRecord | undefined;
    return r ?? null;
  }

  revokeDevice(id: string): void {
    this.#db.transaction(() => {
      this.#st
        .get('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(Date.now(), id);
      this.#st.get('DELETE FROM refresh_tokens WHERE device_id = ?').run(id);
    })();
  }

  revokeAllDevices(userId: string): string[] {
    return this.#revokeAll(userId, Date.now());
  }

  putRefreshToken(t: RefreshTokenRecord): void {
    this.#st
      .get(
        `INSERT INTO refresh_tokens (hash, user_id, device_id, family, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(t.hash, t.user_id, t.device_id, t.family, t.expires_at);
  }

  useRefreshToken(hash: string, now: number): UseRefreshResult {
    return this.#useRefresh.immediate(hash, now);
  }

  revokeFamily(family: string): void {
    this.#st.get('UPDATE refresh_tokens SET revoked = 1 WHERE family = ?').run(family);
  }

  /**
   * A used token presented again is a reuse (even once expired): the family is revoked. A
   * token of a revoked family, an expired or an unknown one is invalid.
   */
  #consume(hash: string, now: number): UseRefreshResult {
    const r = this.#st
      .get(`SELECT ${TOKEN_COLUMNS} FROM refresh_tokens WHERE hash = ?`)
      .get(hash) as TokenRow | undefined;
    if (r === undefined) return { status: 'invalid' };
    if (r.used_at !== null) {
      this.revokeFamily(r.family);
      return { status: 'reused', token: toToken(r) };
    }
    if (r.revoked !== 0 || r.expires_at <= now) return { status: 'invalid' };
    this.#st.get('UPDATE refresh_tokens SET used_at = ? WHERE hash = ?').run(now, hash);
    return { status: 'ok', token: toToken(r) };
  }
}
