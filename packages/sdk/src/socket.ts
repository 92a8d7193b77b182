import {
  type ClientFrameInput,
  errorForClose,
  ParleyError,
  type ReadyFrame,
  type ServerFrame,
} from '@parley/protocol';
import { errorFromBody } from './errors.js';

type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'];

/**
 * The part of the WebSocket API the SDK uses: the browser's `WebSocket` and the `ws` package's
 * both fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  now: () => number;
  /** Give up if `ready` has not arrived by then (ms). */
  connectTimeoutMs: number;
  /** Send `ping` after this long without receiving anything; 0: use ready.heartbeat_ms. */
  pingAfterMs: number;
  /** Consider the socket dead after this long without receiving anything; 0: 2 × ping. */
  deadAfterMs: number;
  onFrame: (frame: ServerFrame) => void;
  /** Called once when the socket is gone (closed by either side or declared dead). */
  onClose: (code: number, reason: string) => void;
}

/** Close code the client uses when it declares a silent socket dead. */
export const CLOSE_HEARTBEAT = 4000;
/** Close code the client uses when it leaves on purpose. */
export const CLOSE_NORMAL = 1000;

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: ParleyError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One WebSocket connection: authenticates, matches answers to requests by `rid`, keeps a
 * heartbeat, and reports its end once. Reconnecting is the caller's job (a new Connection).
 */
export class Connection {
  readonly #o: ConnectionOptions;
  #ws: WebSocketLike | null = null;
  #rid = 0;
  readonly #pending = new Map<number, Pending>();
  #lastRx = 0;
  #pingSent = false;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  #readyWaiter: ((f: ReadyFrame) => void) | null = null;
  #openFailed: ((e: ParleyError) => void) | null = null;

  constructor(opts: ConnectionOptions) {
    this.#o = opts;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the socket, sends `auth` and resolves with `ready`. */
  open(token: string): Promise<ReadyFrame> {
    return new Promise<ReadyFrame>((resolve, reject) => {
      let settled = false;
      const fail = (e: ParleyError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e);
      };
      const timer = setTimeout(() => {
        fail(new ParleyError('unavailable', 'Timed out connecting.'));
        this.abort(CLOSE_HEARTBEAT, 'connect timeout');
      }, this.#o.connectTimeoutMs);
      this.#readyWaiter = (f) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(f);
      };
      this.#openFailed = fail;
      let ws: WebSocketLike;
      try {
        ws = new this.#o.WebSocket(this.#o.url);
      } catch (err) {
        fail(new ParleyError('unavailable', `WebSocket: ${(err as Error)?.message ?? err}`));
        this.#finish(1006, 'constructor failed');
        return;
      }
      this.#ws = ws;
      ws.onopen = () => this.#write({ type: 'auth', token });
      ws.onmessage = (ev) => this.#receive(ev.data);
      ws.onerror = () => {};
      ws.onclose = (ev) => this.#finish(ev.code, ev.reason);
    });
  }

  /**
   * Sends a frame with a fresh `rid` and resolves with the answer carrying it; an `error`
   * answer rejects with its ParleyError, a timeout or a closed socket with 'unavailable'.
   */
  request(frame: ClientFrameInput, timeoutMs: number): Promise<ServerFrame> {
    if (this.#closed) return Promise.reject(new ParleyError('unavailable', 'Not connected.'));
    const rid = ++this.#rid;
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(rid);
        reject(new ParleyError('unavailable', `No answer to ${frame.type} in ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#pending.set(rid, { resolve, reject, timer });
      this.#write({ ...frame, rid } as ClientFrameInput);
    });
  }

  /** Sends a frame that gets no answer (typing, presence). False when not open. */
  send(frame: ClientFrameInput): boolean {
    return this.#write(frame);
  }

  /** Closes now and reports the close at once (without waiting for the closing handshake). */
  abort(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.#finish(code, reason);
  }

  #write(frame: ClientFrameInput): boolean {
    const ws = this.#ws;
    if (this.#closed || !ws || ws.readyState !== 1) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  #receive(data: unknown): void {
    this.#lastRx = this.#o.now();
    this.#pingSent = false;
    let f: ServerFrame;
    try {
      f = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (!f || typeof f !== 'object' || typeof f.type !== 'string') return;
    if (f.type === 'ready') {
      this.#startHeartbeat(f.heartbeat_ms);
      this.#readyWaiter?.(f);
      this.#readyWaiter = null;
      return;
    }
    if (f.type === 'error' && this.#readyWaiter) this.#openFailed?.(errorFromBody(f));
    const rid = 'rid' in f ? f.rid : undefined;
    if (typeof rid === 'number') {
      const p = this.#pending.get(rid);
      if (p) {
        this.#pending.delete(rid);
        clearTimeout(p.timer);
        if (f.type === 'error') p.reject(errorFromBody(f));
        else p.resolve(f);
        return;
      }
    }
    this.#o.onFrame(f);
  }

  #startHeartbeat(serverMs: number): void {
    const ping = this.#o.pingAfterMs || Math.max(1000, Math.min(serverMs || 25_000, 30_000));
    const dead = this.#o.deadAfterMs || ping * 2;
    const tick = Math.max(100, Math.min(ping, dead - ping) / 2);
    this.#lastRx = this.#o.now();
    this.#heartbeat = setInterval(() => {
      const idle = this.#o.now() - this.#lastRx;
      if (idle >= dead) this.abort(CLOSE_HEARTBEAT, 'heartbeat timeout');
      else if (idle >= ping && !this.#pingSent) {
        this.#pingSent = true;
        this.request({ type: 'ping' }, dead).catch(() => {});
      }
    }, tick);
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const err = closeError(code, reason);
    this.#openFailed?.(err);
    this.#readyWaiter = null;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ParleyError('unavailable', 'The connection closed.'));
    }
    this.#pending.clear();
    this.#o.onClose(code, reason);
  }
}

/** The ParleyError a close code stands for ('unavailable' for a plain network close). */
export function closeError(code: number, reason: string): ParleyError {
  const known = errorForClose(code);
  return known
    ? new ParleyError(known, reason || undefined)
    : new ParleyError(
        'unavailable',
        `The connection closed (${code}${reason ? ` ${reason}` : ''}).`,
      );
}
