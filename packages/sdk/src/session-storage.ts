import type { User } from '@parley/protocol';
import { defaultWebStorage, readJson, type WebStorageLike } from './web-storage.js';

/** What the SDK keeps of a signed-in device between runs. */
export interface StoredSession {
  user: User;
  device_id: string;
  access_token: string;
  refresh_token: string;
  /** When the access token expires (ms since the epoch, client clock). */
  expires_at: number;
  /** The last sync token the device stored; null before the first sync. */
  sync_token: string | null;
}

/**
 * Where the session lives between runs. `load` is called once when the client starts;
 * `save` after every change (login, refresh, new sync token); `clear` on logout or when the
 * session is lost. Implementations may be synchronous underneath.
 *
 * @example
 * const storage: SessionStorage = new LocalSessionStorage('parley.session');
 * const client = new ParleyClient({ baseUrl, storage });
 */
export interface SessionStorage {
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

/** Keeps the session in memory only (the default; Node, tests). */
export class MemorySessionStorage implements SessionStorage {
  #value: StoredSession | null;
  constructor(initial: StoredSession | null = null) {
    this.#value = initial;
  }
  async load(): Promise<StoredSession | null> {
    return this.#value;
  }
  async save(session: StoredSession): Promise<void> {
    this.#value = { ...session };
  }
  async clear(): Promise<void> {
    this.#value = null;
  }
}

/**
 * Keeps the session in `localStorage` (browsers) under one key.
 *
 * @example
 * new ParleyClient({ baseUrl: location.origin, storage: new LocalSessionStorage() });
 */
export class LocalSessionStorage implements SessionStorage {
  readonly #key: string;
  readonly #storage: WebStorageLike;
  constructor(key = 'parley.session', storage: WebStorageLike = defaultWebStorage()) {
    this.#key = key;
    this.#storage = storage;
  }
  async load(): Promise<StoredSession | null> {
    const s = readJson<StoredSession | null>(this.#storage, this.#key, null);
    return s && typeof s.refresh_token === 'string' ? s : null;
  }
  async save(session: StoredSession): Promise<void> {
    this.#storage.setItem(this.#key, JSON.stringify(session));
  }
  async clear(): Promise<void> {
    this.#storage.removeItem(this.#key);
  }
}
