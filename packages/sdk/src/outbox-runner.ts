import type { AckFrame, MessageEvent, ParleyError } from '@parley/protocol';
import { toParleyError } from './errors.js';
import { Outbox, type OutboxMessage } from './outbox.js';
import type { OutboxStorage } from './outbox-storage.js';
import type { Connection } from './socket.js';

export interface OutboxRunnerOptions {
  storage: OutboxStorage;
  now: () => number;
  requestTimeoutMs: number;
  /** The connection to send on, once resumed; null otherwise. */
  conn: () => Connection | null;
  onChange: (m: OutboxMessage) => void;
  onAck: (f: AckFrame) => void;
  onError: (e: ParleyError) => void;
}

const copy = (m: OutboxMessage): OutboxMessage => ({ ...m });

/** Drives the {@link Outbox} over a connection and keeps its storage in step. */
export class OutboxRunner {
  readonly #o: OutboxRunnerOptions;
  readonly #box = new Outbox();
  #wake: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: OutboxRunnerOptions) {
    this.#o = opts;
  }

  /** Loads the stored messages of `user` (others' are dropped). */
  async restore(user: string | null): Promise<void> {
    const stored = await this.#o.storage.load();
    const mine = stored.filter((m) => m.user === user);
    for (const m of stored) if (m.user !== user) await this.#o.storage.remove(m.cid);
    this.#box.restore(
      mine.map((m) => ({ ...m, state: m.state === 'failed' ? 'failed' : 'pending' })),
    );
  }

  list(conv?: string): OutboxMessage[] {
    return this.#box.list(conv).map(copy);
  }

  add(m: OutboxMessage): void {
    this.#box.add(m);
    this.#changed(m);
    this.flush();
  }

  retry(cid: string): boolean {
    const m = this.#box.retry(cid);
    if (!m) return false;
    this.#changed(m);
    this.flush();
    return true;
  }

  discard(cid: string): boolean {
    const m = this.#box.discard(cid);
    if (!m) return false;
    m.state = 'discarded';
    this.#changed(m);
    return true;
  }

  /** Sends what may go now (one message per conversation in flight). */
  flush(): void {
    const conn = this.#o.conn();
    if (!conn) return;
    for (const m of this.#box.take(this.#o.now())) {
      const frame = {
        type: 'send' as const,
        conv: m.conv,
        cid: m.cid,
        text: m.text,
        reply_to: m.reply_to,
        thread_root: m.thread_root,
      };
      conn
        .request(frame, this.#o.requestTimeoutMs)
        .then(
          (f) => (f.type === 'ack' ? this.ack(f) : this.#box.release(m.cid)),
          (err) => this.#failed(conn, m, toParleyError(err)),
        )
        .finally(() => this.flush());
    }
    this.#scheduleWake();
  }

  /** An ack (dup acks are fine: only the first changes anything). */
  ack(f: AckFrame): void {
    const m = this.#box.ack(f.cid, f);
    if (m) this.#changed(m);
    this.#o.onAck(f);
  }

  /** My own message event: proves the send was stored even if its ack was lost. */
  sawOwnMessage(ev: MessageEvent): void {
    const m = this.#box.ack(ev.cid, ev);
    if (m) this.#changed(m);
  }

  /** The connection is gone: in-flight sends will go again (same cid) after reconnecting. */
  lost(): void {
    this.#box.releaseAll();
  }

  async clear(): Promise<void> {
    this.#box.clear();
    if (this.#wake) clearTimeout(this.#wake);
    this.#wake = null;
    await this.#o.storage.clear();
  }

  #failed(conn: Connection, sent: OutboxMessage, err: ParleyError): void {
    // Lost with its connection: goes again as soon as the next one is resumed.
    if (conn.closed) {
      this.#box.release(sent.cid);
      return;
    }
    // Retryable errors wait retry_after_ms, or a backoff by attempts when there is none.
    const backoff = Math.min(30_000, 250 * 2 ** Math.min(sent.attempts, 7));
    const wait = err.retryAfterMs ?? backoff;
    const m = this.#box.fail(sent.cid, err.code, err.message, this.#o.now(), wait);
    if (m) this.#changed(m);
  }

  #scheduleWake(): void {
    const at = this.#box.nextWake();
    if (at === null || this.#wake) return;
    this.#wake = setTimeout(
      () => {
        this.#wake = null;
        this.flush();
      },
      Math.max(0, at - this.#o.now()),
    );
  }

  #changed(m: OutboxMessage): void {
    const done = m.state === 'sent' || m.state === 'discarded';
    const p = done ? this.#o.storage.remove(m.cid) : this.#o.storage.put(copy(m));
    p.catch((e) => this.#o.onError(toParleyError(e)));
    this.#o.onChange(copy(m));
  }
}
