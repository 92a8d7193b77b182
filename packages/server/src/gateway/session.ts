import type { Socket } from 'node:net';
import {
  closeCodeOf,
  ERRORS,
  type ErrorCode,
  type ErrorFrame,
  ParleyError,
  type PresenceStatus,
  type Rid,
  type ServerFrame,
} from '@parley/protocol';
import { WebSocket } from 'ws';
import type { TokenBucket } from '../util/token-bucket.js';
import { textFrame } from './frame.js';

/**
 * Schedules a flush of coalesced writes once per tick for all sockets that have some, and
 * reports the frames written per tick (for metrics).
 */
export class WriteScheduler {
  private dirty: Session[] = [];
  private scheduled = false;

  constructor(private readonly onWritten: (frames: number) => void = () => {}) {}

  mark(s: Session): void {
    this.dirty.push(s);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private flush = (): void => {
    this.scheduled = false;
    const list = this.dirty;
    this.dirty = [];
    let frames = 0;
    for (const s of list) frames += s.flush();
    if (frames > 0) this.onWritten(frames);
  };
}

export interface SessionHooks {
  onSlowConsumer(s: Session): void;
}

/**
 * One WebSocket connection. Frames sent within one tick are coalesced into one write
 * (cork/uncork). A socket whose buffered bytes exceed the cap is a slow consumer: it is closed
 * with 4008 and the client resumes from its sync token.
 */
export class Session {
  user = '';
  device = '';
  authed = false;
  closed = false;
  alive = true;
  presence: PresenceStatus | null = null;
  errors = 0;
  /** Frames per second of this connection (null: unlimited). */
  bucket: TokenBucket | null = null;
  /** Refused frames, less one per accepted frame (flood detection). */
  strikes = 0;
  /** Closes an unauthenticated socket that stays silent. */
  idleTimer: NodeJS.Timeout | undefined;
  /** Conversations this socket receives (the user's memberships). */
  readonly convs = new Set<string>();
  /** Bumped whenever `convs` changes (see `Hub.reconcile`). */
  subsVersion = 0;
  /** Conversations joined during this session: seq of the join event, delivered already. */
  joinedAt: Map<string, number> | null = null;
  /** Serializes the commands that change state, so a client's order is the stored order. */
  chain: Promise<void> = Promise.resolve();
  /** Frames queued this tick: the first alone (the common case), the rest in an array. */
  private first: Buffer | null = null;
  private rest: Buffer[] | null = null;
  /** The TCP socket under `ws`: prepared frames are written to it directly. */
  private readonly socket: Socket;

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly scheduler: WriteScheduler,
    private readonly cap: number,
    private readonly hooks: SessionHooks,
  ) {
    // ws keeps its net.Socket in _socket. With permessage-deflate off, ws writes every frame of
    // its own (pings, close) to it synchronously, so writes made here keep their order with ws's.
    this.socket = (ws as unknown as { _socket: Socket })._socket;
  }

  /** Queues a prepared frame (`textFrame`); the same Buffer may go to many sessions. */
  sendFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.first === null) {
      this.first = frame;
      this.scheduler.mark(this);
    } else if (this.rest === null) this.rest = [frame];
    else this.rest.push(frame);
  }

  send(frame: ServerFrame): void {
    this.sendFrame(textFrame(JSON.stringify(frame)));
  }

  error(code: ErrorCode, message?: string, rid?: Rid, retryAfterMs?: number): void {
    const f: ErrorFrame = { type: 'error', code, message: message ?? ERRORS[code].message };
    if (rid !== undefined) f.rid = rid;
    if (retryAfterMs !== undefined) f.retry_after_ms = retryAfterMs;
    this.send(f);
  }

  errorFrom(e: unknown, rid: Rid): void {
    if (e instanceof ParleyError) this.error(e.code, e.message, rid, e.retryAfterMs);
    else this.error('internal', undefined, rid);
  }

  /**
   * Writes the queued frames; over the cap, drops them and reports a slow consumer. Returns the
   * number of frames written.
   */
  flush(force = false): number {
    const first = this.first;
    const rest = this.rest;
    this.first = null;
    this.rest = null;
    // Not OPEN: a close frame went out, and nothing may follow it.
    if (this.closed || first === null || this.ws.readyState !== WebSocket.OPEN) return 0;
    if (!force && this.socket.writableLength > this.cap) {
      this.hooks.onSlowConsumer(this);
      return 0;
    }
    if (rest === null) {
      this.socket.write(first);
      return 1;
    }
    // Several frames in one tick: one write (writev) for all of them.
    this.socket.cork();
    this.socket.write(first);
    for (const f of rest) this.socket.write(f);
    this.socket.uncork();
    return 1 + rest.length;
  }

  /** Sends what is queued, then closes with the code of the error. */
  close(code: ErrorCode, message?: string): void {
    if (this.closed) return;
    this.error(code, message);
    this.flush(true);
    this.closed = true;
    this.ws.close(closeCodeOf(code), code);
    // A peer that does not answer the close handshake (or reads too slowly) is cut off.
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }
}
