import type { PresenceStatus, User } from '@parley/protocol';
import type { ParleyClient } from '@parley/sdk';
import type { Signals } from './signal.js';

/**
 * Users the app has seen, fetched on demand (batched per tick), and their presence.
 * Topics: 'users', 'presence'.
 */
export class UserDirectory {
  readonly #users = new Map<string, User>();
  readonly #presence = new Map<string, PresenceStatus>();
  readonly #wanted = new Set<string>();
  readonly #asked = new Set<string>();
  readonly #presenceWanted = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: ParleyClient,
    private readonly signals: Signals,
  ) {
    client.on('presence', (p) => {
      this.#presence.set(p.user, p.status);
      signals.bump('presence');
    });
  }

  get(id: string): User | undefined {
    const u = this.#users.get(id);
    if (!u && !this.#asked.has(id)) {
      this.#wanted.add(id);
      this.#schedule();
    }
    return u;
  }

  all(): User[] {
    return [...this.#users.values()];
  }

  add(users: Iterable<User>): void {
    let changed = false;
    for (const u of users) {
      const cur = this.#users.get(u.id);
      if (cur?.display_name === u.display_name && cur.username === u.username) continue;
      this.#users.set(u.id, u);
      changed = true;
    }
    if (changed) this.signals.bump('users');
  }

  /** Display name, or null while unknown. */
  name(id: string): string | null {
    const u = this.get(id);
    return u ? u.display_name || u.username : null;
  }

  presence(id: string): PresenceStatus {
    if (!this.#presence.has(id) && !this.#asked.has(`p:${id}`)) {
      this.#presenceWanted.add(id);
      this.#schedule();
    }
    return this.#presence.get(id) ?? 'offline';
  }

  /** Forgets presence (after a reconnect it is asked again). */
  resetPresence(): void {
    for (const k of [...this.#asked]) if (k.startsWith('p:')) this.#asked.delete(k);
    this.#presence.clear();
    this.signals.bump('presence');
  }

  clear(): void {
    this.#users.clear();
    this.#asked.clear();
    this.#presence.clear();
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#fetch();
    }, 0);
  }

  async #fetch(): Promise<void> {
    const ids = [...this.#wanted];
    this.#wanted.clear();
    for (const id of ids) this.#asked.add(id);
    const pres = [...this.#presenceWanted].slice(0, 200);
    for (const id of pres) {
      this.#presenceWanted.delete(id);
      this.#asked.add(`p:${id}`);
    }
    const api = this.client.api;
    await Promise.all([
      ...ids.map((id) =>
        api.getUser(id).then(
          (u) => this.add([u]),
          () => this.#asked.delete(id),
        ),
      ),
      pres.length
        ? api.presence(pres).then(
            (r) => {
              for (const p of r.presence) this.#presence.set(p.user, p.status);
              this.signals.bump('presence');
            },
            () => {
              for (const id of pres) this.#asked.delete(`p:${id}`);
            },
          )
        : null,
    ]);
  }
}
