import { ParleyError, type Session } from '@parley/protocol';
import type { SessionStorage, StoredSession } from './session-storage.js';

export interface SessionManagerOptions {
  storage: SessionStorage;
  /** Calls `POST /v1/auth/refresh`. */
  refresh: (refreshToken: string) => Promise<Session>;
  now: () => number;
  /** Refresh this long before the access token expires (default 30 s). */
  marginMs?: number;
  /** Called after every change; null when the session ended or was lost. */
  onChange: (session: StoredSession | null) => void;
}

/** Errors that mean the refresh token is dead: sign in again. */
const LOST = new Set(['invalid_refresh_token', 'refresh_token_reused', 'session_revoked']);

/**
 * Holds the session and keeps its access token fresh. Refresh tokens rotate and a second use
 * of one revokes the whole family, so there is at most one refresh in flight: concurrent
 * callers share it, and a caller whose (stale) access token was already replaced gets the
 * new one without another refresh.
 */
export class SessionManager {
  readonly #o: SessionManagerOptions;
  readonly #margin: number;
  #current: StoredSession | null = null;
  #inflight: Promise<StoredSession> | null = null;
  #loaded: Promise<StoredSession | null> | null = null;

  constructor(opts: SessionManagerOptions) {
    this.#o = opts;
    this.#margin = opts.marginMs ?? 30_000;
  }

  get current(): StoredSession | null {
    return this.#current;
  }

  /** Loads the stored session once. */
  load(): Promise<StoredSession | null> {
    this.#loaded ??= this.#o.storage.load().then((s) => {
      if (!this.#current) this.#current = s;
      return this.#current;
    });
    return this.#loaded;
  }

  /** Adopts a session answered by register, login or refresh. */
  async set(s: Session, syncToken: string | null = null): Promise<StoredSession> {
    const stored: StoredSession = {
      user: s.user,
      device_id: s.device_id,
      access_token: s.access_token,
      refresh_token: s.refresh_token,
      expires_at: this.#o.now() + s.expires_in * 1000,
      sync_token: syncToken,
    };
    this.#current = stored;
    await this.#o.storage.save(stored);
    this.#o.onChange(stored);
    return stored;
  }

  async setSyncToken(token: string): Promise<void> {
    const s = this.#current;
    if (!s || s.sync_token === token) return;
    s.sync_token = token;
    await this.#o.storage.save(s);
  }

  async clear(): Promise<void> {
    const had = this.#current !== null;
    this.#current = null;
    await this.#o.storage.clear();
    if (had) this.#o.onChange(null);
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    await this.load();
    const s = this.#current;
    if (!s) throw new ParleyError('unauthenticated', 'Not signed in.');
    if (s.expires_at - this.#margin > this.#o.now()) return s.access_token;
    return (await this.refresh(s.access_token)).access_token;
  }

  /**
   * Refreshes the session (single flight). With `staleAccess`, refreshes only if the current
   * access token is still that one (it was rejected); otherwise answers the current session.
   * A dead refresh token clears the session (onChange(null)) and throws.
   */
  refresh(staleAccess?: string): Promise<StoredSession> {
    if (this.#inflight) return this.#inflight;
    const s = this.#current;
    if (!s) return Promise.reject(new ParleyError('unauthenticated', 'Not signed in.'));
    if (staleAccess !== undefined && s.access_token !== staleAccess) return Promise.resolve(s);
    this.#inflight = this.#doRefresh(s).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #doRefresh(s: StoredSession): Promise<StoredSession> {
    // Another tab or client sharing the storage may have rotated the token already.
    const stored = await this.#o.storage.load();
    if (
      stored &&
      stored.user.id === s.user.id &&
      stored.refresh_token !== s.refresh_token &&
      stored.expires_at - this.#margin > this.#o.now()
    ) {
      this.#current = { ...stored, sync_token: s.sync_token ?? stored.sync_token };
      this.#o.onChange(this.#current);
      return this.#current;
    }
    try {
      const fresh = await this.#o.refresh(s.refresh_token);
      return await this.set(fresh, this.#current?.sync_token ?? s.sync_token);
    } catch (err) {
      if (err instanceof ParleyError && LOST.has(err.code)) await this.clear();
      throw err;
    }
  }
}
