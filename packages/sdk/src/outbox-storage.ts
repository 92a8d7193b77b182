import type { OutboxMessage } from './outbox.js';
import { defaultWebStorage, readJson, type WebStorageLike } from './web-storage.js';

/**
 * Where unsent messages wait, so that they survive a page reload or a restart. The client
 * calls `put` whenever a message is added or changes state and `remove` once it is sent or
 * discarded; `load` once at start, `clear` on logout.
 *
 * @example
 * new ParleyClient({ baseUrl, outboxStorage: new LocalOutboxStorage() });
 */
export interface OutboxStorage {
  load(): Promise<OutboxMessage[]>;
  put(message: OutboxMessage): Promise<void>;
  remove(cid: string): Promise<void>;
  clear(): Promise<void>;
}

/** Keeps the outbox in memory only (the default). */
export class MemoryOutboxStorage implements OutboxStorage {
  readonly #items = new Map<string, OutboxMessage>();
  async load(): Promise<OutboxMessage[]> {
    return [...this.#items.values()].map((m) => ({ ...m }));
  }
  async put(message: OutboxMessage): Promise<void> {
    this.#items.set(message.cid, { ...message });
  }
  async remove(cid: string): Promise<void> {
    this.#items.delete(cid);
  }
  async clear(): Promise<void> {
    this.#items.clear();
  }
}

/** Keeps the outbox in `localStorage` under one key (a JSON array, in send order). */
export class LocalOutboxStorage implements OutboxStorage {
  readonly #key: string;
  readonly #storage: WebStorageLike;
  constructor(key = 'parley.outbox', storage: WebStorageLike = defaultWebStorage()) {
    this.#key = key;
    this.#storage = storage;
  }
  #read(): OutboxMessage[] {
    const v = readJson<unknown>(this.#storage, this.#key, []);
    return Array.isArray(v) ? (v as OutboxMessage[]) : [];
  }
  #write(items: OutboxMessage[]): void {
    if (items.length === 0) this.#storage.removeItem(this.#key);
    else this.#storage.setItem(this.#key, JSON.stringify(items));
  }
  async load(): Promise<OutboxMessage[]> {
    return this.#read();
  }
  async put(message: OutboxMessage): Promise<void> {
    const items = this.#read();
    const i = items.findIndex((m) => m.cid === message.cid);
    if (i >= 0) items[i] = message;
    else items.push(message);
    this.#write(items);
  }
  async remove(cid: string): Promise<void> {
    this.#write(this.#read().filter((m) => m.cid !== cid));
  }
  async clear(): Promise<void> {
    this.#storage.removeItem(this.#key);
  }
}
