import { ERRORS, type ErrorCode } from '@parley/protocol';

/**
 * 'pending': waiting or being sent; 'sent': acknowledged; 'failed': a permanent error (retry or
 * discard it); 'discarded': dropped by the user.
 */
export type OutboxState = 'pending' | 'sent' | 'failed' | 'discarded';

/** A message the user sent from this device, as the outbox tracks it. */
export interface OutboxMessage {
  /** Client message id; the same cid is one message on the server forever. */
  cid: string;
  conv: string;
  text: string;
  reply_to: string | null;
  thread_root: string | null;
  /** The sending user. */
  user: string;
  created_at: number;
  state: OutboxState;
  /** Times it was handed to the socket. */
  attempts: number;
  /** Set once sent: the server's message id, seq and time. */
  id?: string;
  seq?: number;
  ts?: number;
  /** Set when failed. */
  error?: { code: ErrorCode; message: string };
}

interface Entry {
  msg: OutboxMessage;
  inflight: boolean;
  /** Not before this time (after a retryable error with retry_after_ms). */
  notBefore: number;
}

/**
 * The outbox state machine, free of I/O. Messages are sent in order per conversation, one at
 * a time (the next waits for the ack of the previous), so a retry can never reorder them.
 *
 * pending --take--> in flight --ack--> sent (removed)
 *                      |--retryable error / lost--> pending (same cid)
 *                      '--permanent error--> failed --retry--> pending
 * failed or idle pending --discard--> removed
 */
export class Outbox {
  readonly #entries = new Map<string, Entry>();

  /** Adds a message (state pending). Restored messages keep their order of creation. */
  add(msg: OutboxMessage): void {
    if (this.#entries.has(msg.cid)) return;
    this.#entries.set(msg.cid, { msg, inflight: false, notBefore: 0 });
  }

  /** Adds restored messages before the ones added since, oldest first. */
  restore(msgs: OutboxMessage[]): void {
    const current = [...this.#entries.values()];
    this.#entries.clear();
    const restored = [...msgs]
      .filter((m) => m.state !== 'sent')
      .sort((a, b) => a.created_at - b.created_at);
    for (const m of restored) this.add({ ...m });
    for (const e of current) if (!this.#entries.has(e.msg.cid)) this.#entries.set(e.msg.cid, e);
  }

  get(cid: string): OutboxMessage | undefined {
    return this.#entries.get(cid)?.msg;
  }

  /** Unsent messages (pending and failed), in order; of one conversation when given. */
  list(conv?: string): OutboxMessage[] {
    const all = [...this.#entries.values()].map((e) => e.msg);
    return conv === undefined ? all : all.filter((m) => m.conv === conv);
  }

  /**
   * The messages to send now: for each conversation, its first pending message, unless that
   * one is in flight or waiting for `retry_after`. Marks them in flight.
   */
  take(now: number): OutboxMessage[] {
    const blocked = new Set<string>();
    const out: OutboxMessage[] = [];
    for (const e of this.#entries.values()) {
      const conv = e.msg.conv;
      if (e.msg.state !== 'pending' || blocked.has(conv)) continue;
      blocked.add(conv);
      if (e.inflight || e.notBefore > now) continue;
      e.inflight = true;
      e.msg.attempts++;
      out.push(e.msg);
    }
    return out;
  }

  /** The earliest time a waiting (retry_after) message may go, or null. */
  nextWake(): number | null {
    let t: number | null = null;
    for (const e of this.#entries.values()) {
      if (e.msg.state === 'pending' && !e.inflight && e.notBefore > 0) {
        t = t === null ? e.notBefore : Math.min(t, e.notBefore);
      }
    }
    return t;
  }

  /** The server stored it (an ack, a dup ack or our own message event). */
  ack(cid: string, r: { id: string; seq: number; ts: number }): OutboxMessage | undefined {
    const e = this.#entries.get(cid);
    if (!e) return undefined;
    this.#entries.delete(cid);
    e.msg.state = 'sent';
    e.msg.id = r.id;
    e.msg.seq = r.seq;
    e.msg.ts = r.ts;
    delete e.msg.error;
    return e.msg;
  }

  /**
   * The send answered an error. Retryable codes put it back (after `retryAfterMs`); others
   * mark it failed. Returns the message when its state changed to failed.
   */
  fail(cid: string, code: ErrorCode, message: string, now: number, retryAfterMs = 0) {
    const e = this.#entries.get(cid);
    if (!e) return undefined;
    e.inflight = false;
    if (ERRORS[code].retry) {
      e.notBefore = retryAfterMs > 0 ? now + retryAfterMs : 0;
      return undefined;
    }
    e.msg.state = 'failed';
    e.msg.error = { code, message };
    return e.msg;
  }

  /** The answer never came (timeout, connection lost): send again later with the same cid. */
  release(cid: string): void {
    const e = this.#entries.get(cid);
    if (e) e.inflight = false;
  }

  releaseAll(): void {
    for (const e of this.#entries.values()) e.inflight = false;
  }

  /** A failed message goes back to pending. */
  retry(cid: string): OutboxMessage | undefined {
    const e = this.#entries.get(cid);
    if (e?.msg.state !== 'failed') return undefined;
    e.msg.state = 'pending';
    delete e.msg.error;
    e.notBefore = 0;
    return e.msg;
  }

  /** Drops a failed message, or a pending one that is not in flight. */
  discard(cid: string): OutboxMessage | undefined {
    const e = this.#entries.get(cid);
    if (!e || e.inflight) return undefined;
    this.#entries.delete(cid);
    return e.msg;
  }

  clear(): void {
    this.#entries.clear();
  }
}
