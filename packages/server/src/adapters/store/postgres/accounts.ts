import type { User } from '@parley/protocol';
import { ParleyError } from '@parley/protocol';
import type pg from 'pg';
import type {
  DeviceRecord,
  RefreshTokenRecord,
  UseRefreshResult,
  UserRecord,
} from '../../../ports/store.js';
import { query, transaction } from './db.js';
import { isUniqueViolation } from './errors.js';
import { toUser, toUserRecord, USER_COLUMNS, type UserRow } from './rows.js';

const TOKEN_COLUMNS = 'hash, user_id, device_id, family, expires_at, used_at, revoked';

interface TokenRow extends RefreshTokenRecord {
  used_at: number | null;
  revoked: boolean;
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
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): Promise<UserRecord> {
    const created_at = Date.now();
    try {
      await this.#pool.query(
        `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, false, $5)`,
        [u.id, u.username, u.display_name, u.password_hash, created_at],
      );
    } catch (e) {
      if (isUniqueViolation(e, 'users_username_key')) throw new ParleyError('username_taken');
      throw e;
    }
    return { ...u, created_at, disabled: false };
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const [r] = await query<UserRow>(
      this.#pool,
      `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`,
      [id],
    );
    return r === undefined ? null : toUserRecord(r);
  }

  async getUserByUsername(username: string): Promise<UserRecord | null> {
    const [r] = await query<UserRow>(
      this.#pool,
      `SELECT ${USER_COLUMNS} FROM users WHERE username = $1`,
      [username],
    );
    return r === undefined ? null : toUserRecord(r);
  }

  async getUsers(ids: readonly string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await query<UserRow>(
      this.#pool,
      `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::text[])`,
      [ids],
    );
    return rows.map(toUser);
  }

  /** Case-insensitive substring match; prefix matches of the username first. */
  async searchUsers(q: string, limit: number): Promise<User[]> {
    const e = escapeLike(q);
    const rows = await query<UserRow>(
      this.#pool,
      `SELECT ${USER_COLUMNS} FROM users
       WHERE NOT disabled AND (username ILIKE $1 ESCAPE '\\' OR display_name ILIKE $1 ESCAPE '\\')
       ORDER BY username ILIKE $2 ESCAPE '\\' DESC, username COLLATE "C" LIMIT $3`,
      [`%${e}%`, `${e}%`, Math.max(0, Math.floor(limit))],
    );
    return rows.map(toUser);
  }

  async updateUser(
    id: string,
    patch: { display_name?: string; disabled?: boolean },
  ): Promise<void> {
    await query(
      this.#pool,
      `UPDATE users SET display_name = coalesce($1, display_name),
         disabled = coalesce($2, disabled) WHERE id = $3`,
      [patch.display_name ?? null, patch.disabled ?? null, id],
    );
  }

  async createDevice(d: { id: string; user_id: string; name: string }): Promise<DeviceRecord> {
    const created_at = Date.now();
    await query(
      this.#pool,
      'INSERT INTO devices (id, user_id, name, created_at) VALUES ($1, $2, $3, $4)',
      [d.id, d.user_id, d.name, created_at],
    );
    return { ...d, created_at, revoked_at: null };
  }

  async getDevice(id: string): Promise<DeviceRecord | null> {
    const [r] = await query<DeviceRecord>(
      this.#pool,
      'SELECT id, user_id, name, created_at, revoked_at FROM devices WHERE id = $1',
      [id],
    );
    return r ?? null;
  }

  revokeDevice(id: string): Promise<void> {
    return transaction(this.#pool, async (c) => {
      await c.query('UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [
        Date.now(),
        id,
      ]);
      await c.query('DELETE FROM refresh_tokens WHERE device_id = $1', [id]);
    });
  }

  revokeAllDevices(userId: string): Promise<string[]> {
    return transaction(this.#pool, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `UPDATE devices SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL
         RETURNING id`,
        [Date.now(), userId],
      );
      await c.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
      return rows.map((r) => r.id);
    });
  }

  async putRefreshToken(t: RefreshTokenRecord): Promise<void> {
    await query(
      this.#pool,
      `INSERT INTO refresh_tokens (hash, user_id, device_id, family, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [t.hash, t.user_id, t.device_id, t.family, t.expires_at],
    );
  }

  /**
   * A used token presented again is a reuse (even once expired): the family is revoked. A
   * token of a revoked family, an expired or an unknown one is invalid. The row lock makes two
   * nodes presenting the same token at once see one 'ok' and one 'reused'.
   */
  useRefreshToken(hash: string, now: number): Promise<UseRefreshResult> {
    return transaction(this.#pool, async (c) => {
      const { rows } = await c.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM refresh_tokens WHERE hash = $1 FOR UPDATE`,
        [hash],
      );
      const r = rows[0];
      if (r === undefined) return { status: 'invalid' };
      if (r.used_at !== null) {
        await c.query('UPDATE refresh_tokens SET revoked = true WHERE family = $1', [r.family]);
        return { status: 'reused', token: toToken(r) };
      }
      if (r.revoked || r.expires_at <= now) return { status: 'invalid' };
      await c.query('UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2', [now, hash]);
      return { status: 'ok', token: toToken(r) };
    });
  }

  async revokeFamily(family: string): Promise<void> {
    await query(this.#pool, 'UPDATE refresh_tokens SET revoked = true WHERE family = $1', [family]);
  }
}
