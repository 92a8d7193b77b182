import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CLIENT_FRAME_TYPES,
  ClientFrame,
  type ErrorCode,
  LIMITS,
  type ReconnectFrame,
} from '@parley/protocol';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { PubSub } from '../ports/bus.js';
import { RESYNC_FRAME } from '../services/realtime.js';
import { type GatewayContext, HANDLERS, ORDERED } from './handlers/index.js';
import { Hub } from './hub.js';
import { Session, WriteScheduler } from './session.js';

export interface GatewayOptions {
  sendBufferBytes: number;
  heartbeatMs: number;
  authTimeoutMs: number;
  /** Invalid frames tolerated on one connection before it is closed (too_many_errors). */
  maxErrors?: number;
}

const KNOWN = new Set<string>(CLIENT_FRAME_TYPES);

/**
 * The WebSocket gateway at `/v1/ws`: authenticates sockets, parses and validates client frames,
 * runs their handlers (state-changing ones in order per socket), writes server frames coalesced
 * per tick, pings, and drains on shutdown.
 */
export class Gateway {
  readonly hub: Hub;
  private readonly wss: WebSocketServer;
  private readonly scheduler = new WriteScheduler();
  private readonly pending = new Set<Session>();
  private heartbeat: NodeJS.Timeout;
  private draining = false;
  private resyncing: Promise<void> | null = null;
  private resyncAgain = false;
  private readonly ctx: GatewayContext;

  constructor(
    ctx: Omit<GatewayContext, 'hub'>,
    bus: PubSub,
    private readonly opts: GatewayOptions,
    private readonly log: Logger,
  ) {
    this.hub = new Hub(bus, { onRevoke: (s) => s.close('session_revoked') });
    this.ctx = { ...ctx, hub: this.hub };
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: LIMITS.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
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
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const s = new Session(
      ws,
      req.socket.remoteAddress ?? '',
      this.scheduler,
      this.opts.sendBufferBytes,
      {
        onWrite: (n) => this.ctx.metrics.deliveries.inc(n),
        onSlowConsumer: (x) => {
          this.ctx.metrics.slowConsumers.inc();
          x.close('slow_consumer');
        },
      },
    );
    this.pending.add(s);
    this.ctx.metrics.connectionsTotal.inc();
    this.ctx.metrics.connections.inc();
    const authTimer = setTimeout(() => {
      if (!s.authed) s.close('auth_timeout');
    }, this.opts.authTimeoutMs);
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
      s.closed = true;
      this.pending.delete(s);
      this.ctx.metrics.connections.dec();
      if (s.authed) {
        this.hub.remove(s);
        this.ctx.presence.change(s.user, s.presence, null);
      }
    });
  }

  private onMessage(s: Session, data: Buffer, isBinary: boolean): void {
    if (s.closed) return;
    if (isBinary) {
      this.reject(s, 'binary_not_supported');
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
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const tooLarge = parsed.error.issues.some((i) => i.message === 'message_too_large');
      const detail = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
        .join('; ');
      this.reject(s, tooLarge ? 'message_too_large' : 'invalid_frame', detail, ridOk);
      return;
    }
    const frame = parsed.data;
    this.ctx.metrics.framesIn.inc(1, { type: frame.type });
    if (frame.type === 'auth') this.pending.delete(s);
    const run = () =>
      HANDLERS[frame.type](this.ctx, s, frame).catch((e: unknown) => {
        if (!(e instanceof Error && e.name === 'ParleyError'))
          this.log.error({ err: e }, 'handler failed');
        const rid = 'rid' in frame ? frame.rid : undefined;
        s.errorFrom(e, rid);
        this.countError(s, (e as { code?: string }).code ?? 'internal');
      });
    if (ORDERED.has(frame.type)) s.chain = s.chain.then(run);
    else void run();
  }

  private reject(s: Session, code: ErrorCode, message?: string, rid?: string | number): void {
    s.error(code, message, rid);
    this.countError(s, code);
    if (++s.errors > (this.opts.maxErrors ?? 50)) s.close('too_many_errors');
  }

  private countError(_s: Session, code: string): void {
    this.ctx.metrics.errors.inc(1, { code });
  }

  private beat(): void {
    for (const s of [...this.hub.all(), ...this.pending]) {
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
    const buf = Buffer.from(RESYNC_FRAME);
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
      for (const [, sessions] of chunk) for (const s of sessions) s.sendRaw(buf);
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
