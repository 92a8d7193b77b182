import type { ConvEvent, ConversationView, MessageEvent, SyncResultFrame } from '@parley/protocol';
import type { ParleyApi } from './api.js';
import type { SessionManager } from './auth.js';
import { toParleyError } from './errors.js';
import { Sequencer } from './sequencer.js';
import type { Connection } from './socket.js';
import { LocalView, type ViewChange } from './view.js';

export interface StreamOptions {
  api: ParleyApi;
  session: SessionManager;
  now: () => number;
  requestTimeoutMs: number;
  /** The current authenticated connection, or null. */
  conn: () => Connection | null;
  /** Each event, once. */
  onEvent: (ev: ConvEvent) => void;
  /** My own message event (from any of my devices). */
  onOwnMessage: (ev: MessageEvent) => void;
  onConversations: (list: ConversationView[]) => void;
  onError: (err: unknown) => void;
}

/**
 * The ordered event stream of the signed-in user: resume (conversation list, then sync pages
 * from the stored token), live events with dedup and gap detection, and the local view.
 */
export class Stream {
  readonly #o: StreamOptions;
  readonly #seq = new Sequencer();
  readonly view: LocalView;
  #resumed = false;
  #syncing: { conn: Connection; promise: Promise<void> } | null = null;
  #again = false;
  #emitScheduled = false;
  readonly #lastFetch = new Map<string, number>();

  constructor(opts: StreamOptions) {
    this.#o = opts;
    this.view = new LocalView(() => opts.session.current?.user.id ?? '');
  }

  /** True once the current connection has caught up. */
  get resumed(): boolean {
    return this.#resumed;
  }

  /**
   * On a fresh connection: refresh the conversation list, then sync until caught up. A device
   * without a sync token starts from `head` (the `ready` frame's token: "now", taken after the
   * socket was subscribed), so every event from then on reaches it live or by sync.
   */
  async resume(conn: Connection, head?: string): Promise<void> {
    this.#resumed = false;
    if (head && this.#o.session.current && this.#o.session.current.sync_token === null) {
      await this.#o.session.setSyncToken(head);
    }
    this.view.beginReset();
    let list: ConversationView[] | null = null;
    try {
      list = (await this.#o.api.listConversations()).conversations;
    } finally {
      this.#viewChanged(this.view.finishReset(list), true);
    }
    await this.sync(conn);
    if (!conn.closed) this.#resumed = true;
  }

  /** The connection is gone. */
  lost(): void {
    this.#resumed = false;
  }

  clear(): void {
    this.#resumed = false;
    this.#seq.clear();
    this.view.clear();
    this.#viewChanged({ changed: true, refetch: [] }, true);
  }

  /** Pages `sync` from the stored token until `more` is false; again if asked meanwhile. */
  sync(conn: Connection): Promise<void> {
    const cur = this.#syncing;
    if (cur?.conn === conn) {
      this.#again = true;
      return cur.promise;
    }
    const promise = (async () => {
      if (cur) await cur.promise.catch(() => {});
      do {
        this.#again = false;
        await this.#syncOnce(conn);
      } while (this.#again && !conn.closed);
    })().finally(() => {
      if (this.#syncing?.promise === promise) this.#syncing = null;
    });
    this.#syncing = { conn, promise };
    return promise;
  }

  async #syncOnce(conn: Connection): Promise<void> {
    let token = this.#o.session.current?.sync_token ?? null;
    for (;;) {
      const page = (await conn.request(
        { type: 'sync', token },
        this.#o.requestTimeoutMs,
      )) as SyncResultFrame;
      for (const ev of page.events) this.#handle(ev, false);
      token = page.token;
      await this.#o.session.setSyncToken(token);
      if (!page.more) return;
    }
  }

  /**
   * A live `event` frame. The first live event of a conversation this connection has no seq for
   * yet is not applied but synced: on a cluster, live events of one conversation can arrive out
   * of order (committed through different nodes), so it may not be the next one; the sync from
   * the stored token brings it with everything before it, in order.
   */
  live(ev: ConvEvent, token: string | undefined): void {
    if (this.#seq.last(ev.conv) === undefined) {
      this.#syncSoon();
      return;
    }
    const verdict = this.#handle(ev, true);
    if (verdict === 'gap') {
      this.#syncSoon();
      return;
    }
    if (token && this.#resumed && !this.#syncing) {
      this.#o.session.setSyncToken(token).catch(this.#o.onError);
    }
  }

  /** The server says live events may have been missed: sync from the stored token now. */
  resync(): void {
    this.#syncSoon();
  }

  /** My read marker moved here (before the server confirms it). */
  markReadLocally(conv: string, seq: number): void {
    this.#viewChanged(this.view.markRead(conv, seq));
  }

  /** A conversation I just created or joined. */
  upsert(v: ConversationView): void {
    if (this.view.beginFetch(v.id)) this.#viewChanged(this.view.finishFetch(v.id, v));
  }

  #handle(ev: ConvEvent, live: boolean) {
    const verdict = this.#seq.observe(ev.conv, ev.seq, live);
    if (verdict === 'gap') return verdict;
    if (verdict === 'apply') {
      const me = this.#o.session.current?.user.id;
      if (ev.kind === 'message' && ev.sender === me) this.#o.onOwnMessage(ev);
      this.#o.onEvent(ev);
    }
    this.#viewChanged(this.view.apply(ev));
    return verdict;
  }

  #syncSoon(): void {
    const conn = this.#o.conn();
    if (!conn) return;
    this.sync(conn).catch((err) => {
      this.#o.onError(err);
      if (!conn.closed) conn.abort(4000, 'sync failed'); // reconnect and resume
    });
  }

  #viewChanged(c: ViewChange, now = false): void {
    for (const conv of c.refetch) this.#refetch(conv);
    if (!c.changed) return;
    if (now) {
      this.#o.onConversations(this.view.list());
      return;
    }
    if (this.#emitScheduled) return;
    this.#emitScheduled = true;
    queueMicrotask(() => {
      this.#emitScheduled = false;
      this.#o.onConversations(this.view.list());
    });
  }

  #refetch(conv: string): void {
    if (!this.#o.session.current) return;
    const wait = (this.#lastFetch.get(conv) ?? 0) + 1000 - this.#o.now();
    if (wait > 0) {
      setTimeout(() => this.#refetch(conv), wait);
      return;
    }
    if (!this.view.beginFetch(conv)) return;
    this.#lastFetch.set(conv, this.#o.now());
    this.#o.api.getConversation(conv).then(
      (c) => this.#viewChanged(this.view.finishFetch(conv, 'role' in c ? c : 'gone')),
      (err) => {
        const e = toParleyError(err);
        const gone = e.code === 'not_found' || e.code === 'forbidden';
        this.#viewChanged(this.view.finishFetch(conv, gone ? 'gone' : null));
        if (!gone) this.#o.onError(e);
      },
    );
  }
}
