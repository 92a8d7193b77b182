import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CLIENT_FRAME_TYPES,
  ClientFrame,
  ERRORS,
  type ErrorCode,
  LIMITS,
  parseHotFrame,
  type ReconnectFrame,
  type Rid,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PubSub } from '../ports/bus.js';
import type { Limiter, RateDecision } from '../ports/ratelimit.js';
import { RESYNC_FRAME } from '../services/realtime.js';
import { ClientIp } from '../util/client-ip.js';
import { jsonTooDeep } from '../util/json-depth.js';
import { TokenBucket } from '../util/token-bucket.js';
import { textFrame } from './frame.js';
import { type GatewayContext, HANDLERS, ORDERED } from './handlers/index.js';
import { Hub } from './hub.js';
import { Session, WriteScheduler } from './session.js';

export interface GatewayOptions {
  sendBufferBytes: number;
  heartbeatMs: number;
  authTimeoutMs: number;
  /** Invalid frames tolerated on one connection before it is closed (too_many_errors). */
  maxErrors?: number;
  limits?: Partial<GatewayLimits>;
}

/** Abuse limits of the gateway (docs/security.md). Absent or 0: unlimited. */
export interface GatewayLimits {
  /** Resolves the client address (trusted proxies). */
  clientIp: ClientIp;
  /** New connections per IP (shared limiter, e.g. per second). */
  connect: Limiter | null;
  /** Message writes (send, edit, delete, react) per account (shared limiter). */
  messages: Limiter | null;
  /** Open sockets per IP on this node. */
  connPerIp: number;
  /** Frames per connection per second, and the burst (token bucket). */
  framesPerS: number;
  framesBurst: number;
  /** Refused frames in a row before the socket is closed with 4029. */
  floodStrikes: number;
  /** Deepest JSON nesting accepted (scanned before parsing). */
  jsonDepth: number;
  /** An unauthenticated socket silent this long is closed (4003). 0: only the auth deadline. */
  unauthIdleMs: number;
}

const NO_LIMITS: GatewayLimits = {
  clientIp: new ClientIp([]),
  connect: null,
  messages: null,
  connPerIp: 0,
  framesPerS: 0,
  framesBurst: 0,
  floodStrikes: 100,
  jsonDepth: 32,
  unauthIdleMs: 0,
};

/** Frame types that write messages: limited per account. */
const WRITES: ReadonlySet<string> = new Set(['send', 'edit', 'delete', 'react']);
const PASS: RateDecision = { ok: true, retryAfterMs: 0, consumed: 0 };

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, code: ErrorCode, status: string, retryAfterMs: number): void {
  const body = JSON.stringify({
    code,
    message: ERRORS[code].message,
    retry_after_ms: retryAfterMs,
  });
  socket.end(
    `HTTP/1.1 ${status}\r\nRetry-After: ${Math.max(1, Math.ceil(retryAfterMs / 1000))}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
const KNOWN = new Set<string>(CLIENT_FRAME_TYPES);

/**
 * The heartbeat runs this many times per interval, each time over one slice of the sockets: a
 * ping is a socket write, and pinging 15,000 sockets at once stalls the event loop (~0.25 s).
 */
const HEARTBEAT_SLICES = 10;

/**
 * The WebSocket gateway at `/v1/ws`: authenticates sockets, parses and validates client frames,
 * runs their handlers (state-changing ones in order per socket), writes server frames coalesced
 * per tick, pings, and drains on shutdown.
 */
export class Gateway {
  readonly hub: Hub;
  private readonly wss: WebSocketServer;
  private readonly scheduler: WriteScheduler;
  private readonly pending = new Set<Session>();
  private heartbeat: NodeJS.Timeout;
  /** Every socket, in the heartbeat slice it was given at accept (round-robin). */
  private readonly slices: Set<Session>[] = Array.from(
    { length: HEARTBEAT_SLICES },
    () => new Set<Session>(),
  );
  private nextSlice = 0;
  private beatSlice = 0;
  private draining = false;
  private resyncing: Promise<void> | null = null;
  private resyncAgain = false;
  private readonly ctx: GatewayContext;
  private readonly limits: GatewayLimits;
  /** Open sockets per client address. */
  private readonly perIp = new Map<string, number>();

  constructor(
    ctx: Omit<GatewayContext, 'hub'>,
    bus: PubSub,
    private readonly opts: GatewayOptions,
    private readonly log: Logger,
  ) {
    this.limits = { ...NO_LIMITS, ...opts.limits };
    this.scheduler = new WriteScheduler((n) => ctx.metrics.deliveries.inc(n));
    this.hub = new Hub(bus, { onRevoke: (s) => s.close('session_revoked') });
    this.ctx = { ...ctx, hub: this.hub };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: LIMITS.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs / HEARTBEAT_SLICES);
    this.heartbeat.unref();
  }

  get connections(): number {
    return this.hub.sessionCount + this.pending.size;
  }

  /** Handles an HTTP upgrade for `/v1/ws`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    const L = this.limits;
    const ip = L.clientIp.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    if (L.connPerIp > 0 && (this.perIp.get(ip) ?? 0) >= L.connPerIp) {
      this.ctx.metrics.errors.inc(1, { code: 'too_many_connections' });
      refuse(socket, 'too_many_connections', '429 Too Many Requests', 1000);
      return;
    }
    const upgrade = () => {
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ip));
    };
    if (!L.connect) {
      upgrade();
      return;
    }
    const onError = () => socket.destroy();
    socket.on('error', onError);
    L.connect.consume(ip).then(
      (d) => {
        socket.off('error', onError);
        if (d.ok) {
          upgrade();
          return;
        }
        this.ctx.metrics.errors.inc(1, { code: 'rate_limited' });
        refuse(socket, 'rate_limited', '429 Too Many Requests', d.retryAfterMs);
      },
      (err: unknown) => {
        // a limiter that fails lets the connection through (fail open)
        socket.off('error', onError);
        this.log.warn({ err }, 'connection limiter failed');
        upgrade();
      },
    );
  }

  private accept(ws: WebSocket, ip: string): void {
    const L = this.limits;
    const s = new Session(ws, ip, this.scheduler, this.opts.sendBufferBytes, {
      onSlowConsumer: (x) => {
        this.ctx.metrics.slowConsumers.inc();
        x.close('slow_consumer');
      },
    });
    if (L.framesPerS > 0) s.bucket = new TokenBucket(L.framesPerS, L.framesBurst);
    this.pending.add(s);
    const slice = this.slices[this.nextSlice++ % HEARTBEAT_SLICES]!;
    slice.add(s);
    this.ctx.metrics.connectionsTotal.inc();
    this.ctx.metrics.connections.inc();
    const count = (this.perIp.get(ip) ?? 0) + 1;
    this.perIp.set(ip, count);
    if (L.connPerIp > 0 && count > L.connPerIp) s.close('too_many_connections');
    const authTimer = setTimeout(() => {
      if (!s.authed) s.close('auth_timeout');
    }, this.opts.authTimeoutMs);
    if (L.unauthIdleMs > 0 && L.unauthIdleMs < this.opts.authTimeoutMs) {
      s.idleTimer = setTimeout(() => {
        if (!s.authed) s.close('auth_timeout', 'no frame arrived in time');
      }, L.unauthIdleMs);
    }
    ws.on('pong', () => {
      s.alive = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      s.alive = true;
      this.onMessage(s, data, isBinary);
    });
    ws.on('error', (err) => {
      // ws closes the socket itself (1009 too large, 1007 invalid UTF-8, 1002 protocol error)
      this.log.debug({ err: err.message, ip: s.ip }, 'websocket error');
    });
    ws.on('close', () => {
      clearTimeout(authTimer);
      if (s.idleTimer) clearTimeout(s.idleTimer);
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
      s.closed = true;
      this.pending.delete(s);
      slice.delete(s);
      this.ctx.metrics.connections.dec();
      if (s.authed) {
        this.hub.remove(s);
        this.ctx.presence.change(s.user, s.presence, null);
      }
    });
  }

  /** Parses a frame with its zod schema; an invalid one is answered with its error. */
  private parseFrame(s: Session, raw: unknown, rid: Rid): ClientFrame | undefined {
    const parsed = ClientFrame.safeParse(raw);
    if (parsed.success) return parsed.data;
    const tooLarge = parsed.error.issues.some((i) => i.message === 'message_too_large');
    const detail = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
      .join('; ');
    this.reject(s, tooLarge ? 'message_too_large' : 'invalid_frame', detail, rid);
    return undefined;
  }

  private onMessage(s: Session, data: Buffer, isBinary: boolean): void {
    if (s.closed) return;
    if (s.idleTimer) {
      clearTimeout(s.idleTimer);
      s.idleTimer = undefined;
    }
    const wait = s.bucket?.take() ?? 0;
    if (wait > 0) {
      this.limited(s, wait, isBinary ? undefined : data);
      return;
    }
    // Each accepted frame forgives one refused frame: a client a little over its rate is only
    // refused; one far over it (or that never waits) runs out of strikes and is cut off.
    if (s.strikes > 0) s.strikes--;
    if (isBinary) {
      this.reject(s, 'binary_not_supported');
      return;
    }
    if (jsonTooDeep(data, this.limits.jsonDepth)) {
      this.reject(s, 'frame_too_deep');
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      this.reject(s, 'malformed_frame');
      return;
    }
    const type = (raw as { type?: unknown } | null)?.type;
    const rid = (raw as { rid?: unknown } | null)?.rid;
    const ridOk = typeof rid === 'string' || typeof rid === 'number' ? rid : undefined;
    if (typeof type !== 'string' || !KNOWN.has(type)) {
      this.reject(s, 'unknown_type', 'unknown frame type', ridOk);
      return;
    }
    if (!s.authed && type !== 'auth') {
      s.close('auth_required');
      return;
    }
    // The common frames by hand; the rest, and every invalid frame, by the zod schema.
    const frame = parseHotFrame(raw) ?? this.parseFrame(s, raw, ridOk);
    if (frame === undefined) return;
    this.ctx.metrics.framesIn.inc(1, { type: frame.type });
    if (frame.type === 'auth') this.pending.delete(s);
    if (ORDERED.has(frame.type)) s.chain = s.chain.then(() => this.run(s, frame));
    else void this.run(s, frame);
  }

  /**
   * Runs one accepted frame: the per-account message limit for writes, then its handler. Never
   * rejects: a failure is answered on the socket. (A method, not closures per frame: at
   * thousands of frames a second their allocations showed in the young-generation GCs.)
   */
  private async run(s: Session, frame: ClientFrame): Promise<void> {
    try {
      const messages = WRITES.has(frame.type) ? this.limits.messages : null;
      if (messages) {
        let d: RateDecision;
        try {
          d = await messages.consume(s.user);
        } catch {
          d = PASS; // a limiter that fails lets the frame through (fail open)
        }
        if (!d.ok) {
          this.limited(s, d.retryAfterMs, undefined, 'rid' in frame ? frame.rid : undefined);
          return;
        }
      }
      await HANDLERS[frame.type](this.ctx, s, frame);
    } catch (e: unknown) {
      if (!(e instanceof Error && e.name === 'ParleyError'))
        this.log.error({ err: e }, 'handler failed');
      s.errorFrom(e, 'rid' in frame ? frame.rid : undefined);
      this.countError((e as { code?: string }).code ?? 'internal');
    }
  }

  /**
   * A frame over a rate limit: answered with `rate_limited` and the wait (with its rid when the
   * frame can be read); after `floodStrikes` refused frames in a row the socket is closed (4029).
   */
  private limited(s: Session, retryAfterMs: number, data?: Buffer, rid?: string | number): void {
    this.countError('rate_limited');
    if (++s.strikes > this.limits.floodStrikes) {
      this.countError('rate_limit_exceeded');
      s.close('rate_limit_exceeded');
      return;
    }
    let r = rid;
    if (r === undefined && data && !jsonTooDeep(data, this.limits.jsonDepth)) {
      try {
        const v = (JSON.parse(data.toString('utf8')) as { rid?: unknown } | null)?.rid;
        if (typeof v === 'string' || typeof v === 'number') r = v;
      } catch {}
    }
    s.error('rate_limited', undefined, r, retryAfterMs);
  }

  private reject(s: Session, code: ErrorCode, message?: string, rid?: string | number): void {
    s.error(code, message, rid);
    this.countError(code);
    if (++s.errors > (this.opts.maxErrors ?? 50)) s.close('too_many_errors');
  }

  private countError(code: string): void {
    this.ctx.metrics.errors.inc(1, { code });
  }

  /** Pings one slice of the sockets; one that did not answer the previous ping is cut off. */
  private beat(): void {
    const slice = this.slices[this.beatSlice++ % HEARTBEAT_SLICES]!;
    for (const s of [...slice]) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }

  /**
   * Tells every socket to `sync` now, because live events may have been missed (the bus was
   * down here or on another node). First each session's subscriptions are re-read from storage
   * (a join or leave published meanwhile was missed too) and flushed to the broker, so nothing
   * committed after the client's sync read can be missed. Calls during a run coalesce into one
   * more run.
   */
  resyncAll(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    const run = (async () => {
      do {
        this.resyncAgain = false;
        await this.resyncOnce();
      } while (this.resyncAgain && !this.draining);
    })().finally(() => {
      this.resyncing = null;
    });
    this.resyncing = run;
    return run;
  }

  private async resyncOnce(): Promise<void> {
    const byUser = new Map<string, Session[]>();
    for (const s of this.hub.all()) {
      const list = byUser.get(s.user);
      if (list) list.push(s);
      else byUser.set(s.user, [s]);
    }
    const users = [...byUser];
    const buf = textFrame(RESYNC_FRAME);
    for (let i = 0; i < users.length; i += 64) {
      const chunk = users.slice(i, i + 64);
      await Promise.all(
        chunk.map(async ([user, sessions]) => {
          const versions = sessions.map((s) => s.subsVersion);
          try {
            const ids = await this.ctx.conversationIds(user);
            for (const [k, s] of sessions.entries()) this.hub.reconcile(s, ids, versions[k]!);
          } catch (err) {
            // Storage is down as well: keep the subscriptions; the sync will fail and retry.
            this.log.warn({ err }, 'resync: could not re-read conversations');
          }
        }),
      );
      await this.hub.flush().catch(() => {});
      for (const [, sessions] of chunk) for (const s of sessions) s.sendFrame(buf);
    }
  }

  /**
   * Graceful drain: refuse new sockets, tell every client to reconnect (elsewhere) and close
   * them with 4009 once their queued frames are written. Resolves when all are closed or after
   * the timeout.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const all = [...this.hub.all(), ...this.pending];
    const frame: ReconnectFrame = { type: 'reconnect', reason: 'draining' };
    const closed = all.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.ws.readyState === s.ws.CLOSED) return resolve();
          s.ws.once('close', () => resolve());
          s.send(frame);
          s.close('server_draining');
        }),
    );
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, timeoutMs))]);
    for (const s of all) s.ws.terminate();
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.wss.close();
  }
}
