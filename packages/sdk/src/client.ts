import {
  type AckFrame,
  type ClientFrameInput,
  type ConvEvent,
  type ConversationView,
  codePoints,
  LIMITS,
  type LoginBody,
  type MessageEvent,
  type OkFrame,
  ParleyError,
  type PresenceEventFrame,
  type RegisterBody,
  type ServerFrame,
  type Session,
  type TypingEventFrame,
  type User,
} from '@parley/protocol';
import { type HistoryQuery, ParleyApi, type SendOptions } from './api.js';
import { SessionManager } from './auth.js';
import { ExponentialBackoff, type ReconnectPolicy } from './backoff.js';
import { Emitter } from './emitter.js';
import { toParleyError } from './errors.js';
import { type FetchLike, HttpClient } from './http.js';
import { newCid } from './ids.js';
import { type ConnectionState, Link } from './link.js';
import type { OutboxMessage } from './outbox.js';
import { OutboxRunner } from './outbox-runner.js';
import { MemoryOutboxStorage, type OutboxStorage } from './outbox-storage.js';
import {
  MemorySessionStorage,
  type SessionStorage,
  type StoredSession,
} from './session-storage.js';
import type { WebSocketConstructor } from './socket.js';
import { Stream } from './stream.js';

export interface ParleyClientOptions {
  /** Server origin, e.g. `https://chat.example.com` (the API is under `/v1`). */
  baseUrl: string;
  /** WebSocket implementation: the global one in browsers; `ws`'s `WebSocket` in Node. */
  WebSocket?: WebSocketConstructor;
  /** `fetch` implementation (default: the global one). */
  fetch?: FetchLike;
  /** Where the session lives (default: memory; `LocalSessionStorage` in browsers). */
  storage?: SessionStorage;
  /** Where unsent messages live (default: memory; `LocalOutboxStorage` in browsers). */
  outboxStorage?: OutboxStorage;
  /** Delays between reconnect attempts (default: `new ExponentialBackoff()`). */
  reconnectPolicy?: ReconnectPolicy;
  /** Clock (default `Date.now`). */
  now?: () => number;
  /** Timeout of a WebSocket request (default 10 s). */
  requestTimeoutMs?: number;
  /** Timeout of connect + auth (default 10 s). */
  connectTimeoutMs?: number;
  /** Heartbeat: ping after this much silence (default: the server's heartbeat_ms). */
  pingAfterMs?: number;
  /** Heartbeat: a socket silent this long is dead (default: twice pingAfterMs). */
  deadAfterMs?: number;
  /** Refresh the access token this long before it expires (default 30 s). */
  refreshMarginMs?: number;
  /** Sent with register and login. */
  deviceName?: string;
}

/** The events of a {@link ParleyClient} and their payloads. */
export interface ClientEvents {
  /** Every conversation event, once (live or from sync), deduplicated by (conv, seq). */
  event: ConvEvent;
  /** The message events among them. */
  message: MessageEvent;
  /** Acks of this device's sends (duplicates included). */
  ack: AckFrame;
  typing: TypingEventFrame;
  presence: PresenceEventFrame;
  state: ConnectionState;
  /** The local conversation list changed (newest activity first). */
  conversations: ConversationView[];
  /** An outbox message changed state. */
  outbox: OutboxMessage;
  error: ParleyError;
  /** Signed in, refreshed, or (null) signed out / session lost. */
  session: StoredSession | null;
}

/**
 * The Parley client: session, HTTP API, a self-healing WebSocket connection, an outbox with
 * exactly-once sends, and a live conversation list.
 *
 * @example
 * import WebSocket from 'ws'; // Node only; browsers use the global WebSocket
 * const client = new ParleyClient({ baseUrl: 'http://localhost:8080', WebSocket });
 * await client.login({ username: 'ann', password: 'correct horse' });
 * client.on('message', (m) => console.log(m.sender, m.text));
 * await client.connect();
 * const pending = client.send(convId, 'hello'); // state 'pending', then 'sent'
 */
export class ParleyClient {
  /** Typed HTTP routes (workspaces, invites, conversations, members, users, presence, …). */
  readonly api: ParleyApi;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #session: SessionManager;
  readonly #http: HttpClient;
  readonly #link: Link;
  readonly #stream: Stream;
  readonly #outbox: OutboxRunner;
  readonly #now: () => number;
  readonly #timeout: number;
  readonly #deviceName: string | undefined;
  #restored: Promise<StoredSession | null> | null = null;
  #presence: 'online' | 'away' | null = null;

  constructor(opts: ParleyClientOptions) {
    const now = opts.now ?? Date.now;
    this.#now = now;
    this.#timeout = opts.requestTimeoutMs ?? 10_000;
    this.#deviceName = opts.deviceName;
    this.#emitter = new Emitter<ClientEvents>((err, ev) => {
      if (ev !== 'error') this.#emitter.emit('error', toParleyError(err));
    });
    const onError = (err: unknown) => this.#emitter.emit('error', toParleyError(err));
    const fetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#session = new SessionManager({
      storage: opts.storage ?? new MemorySessionStorage(),
      now,
      marginMs: opts.refreshMarginMs,
      refresh: (refresh_token) =>
        this.#http.request<Session>('POST', '/v1/auth/refresh', {
          body: { refresh_token },
          auth: false,
        }),
      onChange: (s) => this.#sessionChanged(s),
    });
    this.#http = new HttpClient(opts.baseUrl, fetch, this.#session);
    this.api = new ParleyApi(this.#http);
    this.#stream = new Stream({
      api: this.api,
      session: this.#session,
      now,
      requestTimeoutMs: this.#timeout,
      conn: () => this.#link.conn,
      onEvent: (ev) => {
        this.#emitter.emit('event', ev);
        if (ev.kind === 'message') this.#emitter.emit('message', ev);
      },
      onOwnMessage: (ev) => this.#outbox.sawOwnMessage(ev),
      onConversations: (list) => this.#emitter.emit('conversations', list),
      onError,
    });
    this.#outbox = new OutboxRunner({
      storage: opts.outboxStorage ?? new MemoryOutboxStorage(),
      now,
      requestTimeoutMs: this.#timeout,
      conn: () => (this.#stream.resumed ? this.#link.conn : null),
      onChange: (m) => this.#emitter.emit('outbox', m),
      onAck: (f) => this.#emitter.emit('ack', f),
      onError,
    });
    const WS = opts.WebSocket;
    this.#link = new Link({
      url: `${opts.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/ws`,
      WebSocket: () => WS ?? defaultWebSocket(),
      now,
      policy: opts.reconnectPolicy ?? new ExponentialBackoff(),
      session: this.#session,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      pingAfterMs: opts.pingAfterMs ?? 0,
      deadAfterMs: opts.deadAfterMs ?? 0,
      onReady: async (conn, ready) => {
        await this.#stream.resume(conn, ready.token);
        if (this.#presence) conn.send({ type: 'presence', status: this.#presence });
        this.#outbox.flush();
      },
      onFrame: (f) => this.#onFrame(f),
      onState: (s) => this.#emitter.emit('state', s),
      onLost: () => {
        this.#stream.lost();
        this.#outbox.lost();
      },
      onError,
    });
  }

  // --- events -------------------------------------------------------------------------------

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(event, fn);
  }
  once<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): () => void {
    return this.#emitter.once(event, fn);
  }
  off<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): void {
    this.#emitter.off(event, fn);
  }

  // --- session --------------------------------------------------------------------------------

  /** The current session (after `restore()`, `login()` or `register()`), or null. */
  get session(): StoredSession | null {
    return this.#session.current;
  }
  get user(): User | null {
    return this.#session.current?.user ?? null;
  }
  get state(): ConnectionState {
    return this.#link.state;
  }

  /**
   * Loads the stored session and outbox (once). Call it at start-up before `connect()`.
   *
   * @example
   * const client = new ParleyClient({ baseUrl: location.origin, storage: new LocalSessionStorage() });
   * if (await client.restore()) await client.connect(); else showLogin();
   */
  restore(): Promise<StoredSession | null> {
    this.#restored ??= (async () => {
      const s = await this.#session.load();
      await this.#outbox.restore(s?.user.id ?? null);
      return s;
    })();
    return this.#restored;
  }

  /** Creates an account and signs this device in. */
  async register(body: RegisterBody): Promise<StoredSession> {
    return this.#signIn('/v1/auth/register', { device_name: this.#deviceName, ...body });
  }

  /** Signs in with username and password. */
  async login(body: LoginBody): Promise<StoredSession> {
    return this.#signIn('/v1/auth/login', { device_name: this.#deviceName, ...body });
  }

  /**
   * Finishes an OIDC sign-in: the server's callback sent the browser back with
   * `#oidc_code=<code>`; this trades the one-time code for a session of this device.
   * @example
   * const code = new URLSearchParams(location.hash.slice(1)).get('oidc_code');
   * if (code) await client.signInWithOidc(code);
   */
  async signInWithOidc(code: string): Promise<StoredSession> {
    return this.#signIn('/v1/auth/oidc/exchange', { code });
  }

  /** The sign-in methods the server offers. */
  authProviders(): Promise<{ password: boolean; oidc: boolean }> {
    return this.#http.request('GET', '/v1/auth/providers', { auth: false });
  }

  /** Refreshes the access token now (shared with any refresh already in flight). */
  refresh(): Promise<StoredSession> {
    return this.#session.refresh();
  }

  /** Signs this device out (server side too, when reachable) and forgets local state. */
  async logout(): Promise<void> {
    await this.restore();
    if (this.#session.current) {
      await this.#http.request('POST', '/v1/auth/logout').catch(() => {});
    }
    await this.#forget();
  }

  // --- connection -----------------------------------------------------------------------------

  /**
   * Connects (and keeps reconnecting) until `disconnect()`. Resolves once online: resumed from
   * the stored sync token and the outbox flushing. Rejects if it gives up (signed out, a
   * non-reconnect close code, or the reconnect policy said stop).
   */
  async connect(): Promise<void> {
    await this.restore();
    if (!this.#session.current) throw new ParleyError('unauthenticated', 'Not signed in.');
    return this.#link.connect();
  }

  /** Closes the connection and stops reconnecting. */
  disconnect(): void {
    this.#link.stop();
  }

  // --- messages ---------------------------------------------------------------------------------

  /**
   * Queues a message and returns it at once (state 'pending'); watch 'outbox' for 'sent' or
   * 'failed'. Sends go in order per conversation and are retried with the same `cid` until the
   * server acknowledges them, so a message is stored exactly once.
   *
   * @example
   * const m = client.send(conv, 'hi', { reply_to: parentId });
   * client.on('outbox', (u) => u.cid === m.cid && u.state === 'failed' && client.retry(u.cid));
   */
  send(conv: string, text: string, opts: SendOptions = {}): OutboxMessage {
    const s = this.#session.current;
    if (!s) throw new ParleyError('unauthenticated', 'Not signed in.');
    const n = codePoints(text);
    if (n === 0 || text.trim() === '') throw new ParleyError('invalid_frame', 'Empty message.');
    if (n > LIMITS.maxTextCodePoints) throw new ParleyError('message_too_large');
    const m: OutboxMessage = {
      cid: newCid(),
      conv,
      text,
      reply_to: opts.reply_to ?? null,
      thread_root: opts.thread_root ?? null,
      user: s.user.id,
      created_at: this.#now(),
      state: 'pending',
      attempts: 0,
    };
    this.#outbox.add(m);
    return { ...m };
  }

  /** Puts a failed message back in the queue (same cid). False if it is not failed. */
  retry(cid: string): boolean {
    return this.#outbox.retry(cid);
  }

  /** Drops a failed (or not yet sent) message. False if it is in flight or unknown. */
  discard(cid: string): boolean {
    return this.#outbox.discard(cid);
  }

  /** Unsent messages (pending and failed), oldest first; of one conversation when given. */
  outbox(conv?: string): OutboxMessage[] {
    return this.#outbox.list(conv);
  }

  /** Edits my message. */
  edit(conv: string, id: string, text: string): Promise<OkFrame> {
    return this.request({ type: 'edit', conv, id, text }) as Promise<OkFrame>;
  }

  /** Deletes a message (leaves a tombstone). */
  delete(conv: string, id: string): Promise<OkFrame> {
    return this.request({ type: 'delete', conv, id }) as Promise<OkFrame>;
  }

  /** Adds (on = true) or removes a reaction. */
  react(conv: string, id: string, emoji: string, on = true): Promise<OkFrame> {
    return this.request({ type: 'react', conv, id, emoji, on }) as Promise<OkFrame>;
  }

  /**
   * Moves my read marker to `seq` (here at once; on my other devices through the server's read
   * event). Uses the socket when connected, HTTP otherwise.
   */
  async markRead(conv: string, seq: number): Promise<void> {
    this.#stream.markReadLocally(conv, seq);
    if (this.#link.conn) await this.request({ type: 'read', conv, seq });
    else await this.api.markRead(conv, seq);
  }

  /** Tells the members I am typing (or stopped). Dropped when offline. */
  typing(conv: string, on = true): boolean {
    return this.#link.conn?.send({ type: 'typing', conv, on }) ?? false;
  }

  /** Sets my presence; re-sent after every reconnect. */
  setPresence(status: 'online' | 'away'): void {
    this.#presence = status;
    this.#link.conn?.send({ type: 'presence', status });
  }

  /**
   * One page of a conversation's history, oldest first.
   *
   * @example
   * const { events, more } = await client.history(conv, { before: oldestSeq, limit: 50 });
   */
  history(conv: string, q: HistoryQuery = {}) {
    return this.api.history(conv, q);
  }

  /** The local conversation list, newest activity first. */
  conversations(): ConversationView[] {
    return this.#stream.view.list();
  }

  conversation(id: string): ConversationView | undefined {
    return this.#stream.view.get(id);
  }

  /** Creates a conversation and adds it to the local list at once. */
  async createConversation(
    body: Parameters<ParleyApi['createConversation']>[0],
  ): Promise<ConversationView> {
    const v = await this.api.createConversation(body);
    this.#stream.upsert(v);
    return v;
  }

  /** Mutes or unmutes a conversation for me, and updates the local list at once. */
  async setMuted(conv: string, muted: boolean): Promise<void> {
    await this.api.setMuted(conv, muted);
    const v = await this.api.getConversation(conv);
    if ('role' in v) this.#stream.upsert(v);
  }

  /**
   * Leaves a group or channel. It goes from the local list when my `leave` event arrives (on
   * this device and my others).
   */
  leave(conv: string): Promise<void> {
    return this.api.removeMember(conv, this.user?.id ?? '');
  }

  /**
   * Sends a frame over the socket with a request id and resolves with the answer (`ok`, `ack`,
   * `sync`, `pong`); an `error` answer, a timeout or no connection reject with ParleyError.
   */
  request(frame: ClientFrameInput, timeoutMs = this.#timeout): Promise<ServerFrame> {
    const conn = this.#link.conn;
    if (!conn) return Promise.reject(new ParleyError('unavailable', 'Not connected.'));
    return conn.request(frame, timeoutMs);
  }

  // --- internals ------------------------------------------------------------------------------

  async #signIn(path: string, body: object): Promise<StoredSession> {
    await this.restore();
    const before = this.#session.current?.user.id;
    const s = await this.#http.request<Session>('POST', path, { body, auth: false });
    if (before !== undefined) {
      this.#link.stop();
      if (before !== s.user.id) await this.#outbox.clear();
      this.#stream.clear();
    }
    return this.#session.set(s);
  }

  async #forget(): Promise<void> {
    this.#link.stop(new ParleyError('unauthenticated', 'Signed out.'));
    await this.#outbox.clear();
    this.#stream.clear();
    await this.#session.clear();
  }

  #sessionChanged(s: StoredSession | null): void {
    this.#emitter.emit('session', s);
    if (!s)
      this.#link.stop(new ParleyError('unauthenticated', 'The session ended; sign in again.'));
  }

  #onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'event':
        this.#stream.live(f.ev, f.token);
        break;
      case 'resync':
        this.#stream.resync();
        break;
      case 'typing':
        this.#emitter.emit('typing', f);
        break;
      case 'presence':
        this.#emitter.emit('presence', f);
        break;
      case 'ack':
        this.#outbox.ack(f);
        break;
      case 'error':
        this.#emitter.emit('error', new ParleyError(f.code, f.message, f.retry_after_ms));
        break;
      default:
        break;
    }
  }
}

function defaultWebSocket(): WebSocketConstructor {
  const ws = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ws) throw new Error('No global WebSocket: pass `WebSocket` (from the ws package in Node).');
  return ws;
}
