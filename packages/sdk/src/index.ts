/**
 * @parley/sdk — the Parley client for browsers and Node. See README.md.
 */

export { ParleyError } from '@parley/protocol';
export { type HistoryQuery, ParleyApi, type SendOptions } from './api.js';
export {
  ExponentialBackoff,
  type ExponentialBackoffOptions,
  type ReconnectPolicy,
} from './backoff.js';
export { type ClientEvents, ParleyClient, type ParleyClientOptions } from './client.js';
export { Emitter, type Listener } from './emitter.js';
export type { FetchLike } from './http.js';
export { newCid } from './ids.js';
export type { ConnectionState } from './link.js';
export type { OutboxMessage, OutboxState } from './outbox.js';
export {
  LocalOutboxStorage,
  MemoryOutboxStorage,
  type OutboxStorage,
} from './outbox-storage.js';
export {
  LocalSessionStorage,
  MemorySessionStorage,
  type SessionStorage,
  type StoredSession,
} from './session-storage.js';
export type { WebSocketConstructor, WebSocketLike } from './socket.js';
export type { WebStorageLike } from './web-storage.js';
