import { ParleyError, type ReadyFrame, type ServerFrame, shouldReconnect } from '@parley/protocol';
import type { SessionManager } from './auth.js';
import type { ReconnectPolicy } from './backoff.js';
import { CLOSE_NORMAL, Connection, closeError, type WebSocketConstructor } from './socket.js';

/** 'connecting': an attempt is under way; 'online': connected and caught up; 'offline': not. */
export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface LinkOptions {
  url: string;
  WebSocket: () => WebSocketConstructor;
  now: () => number;
  policy: ReconnectPolicy;
  session: SessionManager;
  connectTimeoutMs: number;
  pingAfterMs: number;
  deadAfterMs: number;
  /** Resume on a fresh, authenticated connection; the link is online once it resolves. */
  onReady: (conn: Connection, ready: ReadyFrame) => Promise<void>;
  onFrame: (frame: ServerFrame) => void;
  onState: (state: ConnectionState) => void;
  /** The current connection ended (before reconnecting, if at all). */
  onLost: () => void;
  onError: (err: ParleyError) => void;
}

/** Errors that mean the session cannot authenticate any more: stop. */
const FATAL = new Set(['unauthenticated', 'invalid_refresh_token', 'refresh_token_reused']);

/**
 * The connection lifecycle: connect, resume, and on loss reconnect with the policy's delays.
 * Close codes decide: `shouldReconnect` false stops; 4001/4002 refresh the access token first;
 * 4008/4009 and network losses reconnect and resume. A `reconnect` frame (server draining)
 * reconnects at once.
 */
export class Link {
  readonly #o: LinkOptions;
  #state: ConnectionState = 'offline';
  #wanted = false;
  #attempt = 0;
  #current: Connection | null = null;
  #ready: Connection | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #waiters: { resolve: () => void; reject: (e: ParleyError) => void }[] = [];

  constructor(opts: LinkOptions) {
    this.#o = opts;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The authenticated connection (also while resuming), or null. */
  get conn(): Connection | null {
    return this.#ready && !this.#ready.closed ? this.#ready : null;
  }

  /** Starts connecting (at once, also when waiting to retry) and resolves once online. */
  connect(): Promise<void> {
    if (this.#state === 'online') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#wanted = true;
    if (this.#timer) clearTimeout(this.#timer); // waiting to retry: try now instead
    if (!this.#current) void this.#attemptNow();
    return p;
  }

  /** Closes and stays offline until `connect()`; pending `connect()` calls reject with `err`. */
  stop(err = new ParleyError('unavailable', 'Disconnected.')): void {
    this.#wanted = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const conn = this.#current;
    this.#current = this.#ready = null;
    if (conn) {
      conn.abort(CLOSE_NORMAL, 'client disconnect');
      this.#o.onLost();
    }
    this.#attempt = 0;
    this.#setState('offline');
    this.#settle(err);
  }

  /** Drops the current connection and reconnects (e.g. the server asked to). */
  reconnect(code: number, reason: string): void {
    this.#current?.abort(code, reason);
  }

  async #attemptNow(): Promise<void> {
    this.#timer = null;
    if (!this.#wanted) return;
    this.#setState('connecting');
    let token: string;
    try {
      token = await this.#o.session.accessToken();
    } catch (err) {
      const e = err instanceof ParleyError ? err : new ParleyError('unavailable');
      if (FATAL.has(e.code) || !this.#o.session.current) return this.#giveUp(e);
      return this.#retryLater();
    }
    if (!this.#wanted || this.#current) return;
    let ctor: WebSocketConstructor;
    try {
      ctor = this.#o.WebSocket();
    } catch (err) {
      return this.#giveUp(new ParleyError('unavailable', (err as Error).message));
    }
    const conn: Connection = new Connection({
      url: this.#o.url,
      WebSocket: ctor,
      now: this.#o.now,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      pingAfterMs: this.#o.pingAfterMs,
      deadAfterMs: this.#o.deadAfterMs,
      onFrame: (f) => this.#onFrame(conn, f),
      onClose: (code, reason) => this.#onClose(conn, code, reason, token),
    });
    this.#current = conn;
    let ready: ReadyFrame;
    try {
      ready = await conn.open(token);
    } catch {
      return; // #onClose handles it
    }
    if (this.#current !== conn) return;
    this.#ready = conn;
    try {
      await this.#o.onReady(conn, ready);
    } catch (err) {
      if (!conn.closed) {
        this.#o.onError(err instanceof ParleyError ? err : new ParleyError('internal'));
        conn.abort(4000, 'resume failed');
      }
      return;
    }
    if (conn.closed || this.#current !== conn) return;
    this.#attempt = 0;
    this.#setState('online');
    this.#settle(null);
  }

  #onFrame(conn: Connection, f: ServerFrame): void {
    if (this.#current !== conn) return;
    if (f.type === 'reconnect') {
      this.#attempt = 0;
      conn.abort(4009, 'server draining');
      return;
    }
    this.#o.onFrame(f);
  }

  #onClose(conn: Connection, code: number, reason: string, token: string): void {
    if (this.#current !== conn) return;
    this.#current = this.#ready = null;
    this.#o.onLost();
    this.#setState('offline');
    if (!this.#wanted) return;
    if (!shouldReconnect(code)) {
      this.#giveUp(closeError(code, reason));
      return;
    }
    if (code === 4001 || code === 4002) {
      this.#o.session.refresh(token).then(
        () => this.#retryLater(),
        (err: ParleyError) =>
          FATAL.has(err.code) || !this.#o.session.current ? this.#giveUp(err) : this.#retryLater(),
      );
      return;
    }
    this.#retryLater();
  }

  #retryLater(): void {
    if (!this.#wanted) return;
    this.#setState('offline');
    const delay = this.#o.policy.nextDelay(++this.#attempt);
    if (delay === null) {
      this.#giveUp(new ParleyError('unavailable', 'Gave up reconnecting.'));
      return;
    }
    this.#timer = setTimeout(() => void this.#attemptNow(), delay);
  }

  #giveUp(err: ParleyError): void {
    this.#o.onError(err);
    this.stop(err);
  }

  #setState(s: ConnectionState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#o.onState(s);
  }

  #settle(err: ParleyError | null): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) err ? w.reject(err) : w.resolve();
  }
}
