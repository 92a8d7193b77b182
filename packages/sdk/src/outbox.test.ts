import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxMessage } from './outbox.js';

let n = 0;
function msg(conv: string, text = 't', created_at = ++n): OutboxMessage {
  return {
    cid: `cid-${conv}-${created_at}`,
    conv,
    text,
    reply_to: null,
    thread_root: null,
    user: 'u1',
    created_at,
    state: 'pending',
    attempts: 0,
  };
}
const cids = (ms: OutboxMessage[]) => ms.map((m) => m.cid);

describe('Outbox', () => {
  it('sends one message per conversation at a time, in order', () => {
    const o = new Outbox();
    const [a1, a2, b1] = [msg('a'), msg('a'), msg('b')];
    o.add(a1);
    o.add(a2);
    o.add(b1);
    expect(cids(o.take(0))).toEqual([a1.cid, b1.cid]);
    expect(o.take(0)).toEqual([]);
    o.ack(a1.cid, { id: 'm1', seq: 1, ts: 1 });
    expect(cids(o.take(0))).toEqual([a2.cid]);
  });

  it('retries the same cid after a lost connection, without reordering', () => {
    const o = new Outbox();
    const [a1, a2] = [msg('a'), msg('a')];
    o.add(a1);
    o.add(a2);
    o.take(0);
    o.releaseAll();
    const again = o.take(0);
    expect(cids(again)).toEqual([a1.cid]);
    expect(again[0]!.attempts).toBe(2);
  });

  it('marks permanent errors failed and lets later messages go; retry and discard', () => {
    const o = new Outbox();
    const [a1, a2] = [msg('a'), msg('a')];
    o.add(a1);
    o.add(a2);
    o.take(0);
    const failed = o.fail(a1.cid, 'forbidden', 'no', 0);
    expect(failed?.state).toBe('failed');
    expect(failed?.error?.code).toBe('forbidden');
    expect(cids(o.take(0))).toEqual([a2.cid]);
    o.ack(a2.cid, { id: 'm2', seq: 2, ts: 2 });
    expect(o.retry(a1.cid)?.state).toBe('pending');
    expect(cids(o.take(0))).toEqual([a1.cid]);
    expect(o.discard(a1.cid)).toBeUndefined(); // in flight
    o.fail(a1.cid, 'message_too_large', 'big', 0);
    expect(o.discard(a1.cid)?.cid).toBe(a1.cid);
    expect(o.list()).toEqual([]);
  });

  it('waits retry_after_ms on a retryable error, blocking later messages of that conversation', () => {
    const o = new Outbox();
    const [a1, a2] = [msg('a'), msg('a')];
    o.add(a1);
    o.add(a2);
    o.take(1000);
    expect(o.fail(a1.cid, 'rate_limited', 'slow down', 1000, 500)).toBeUndefined();
    expect(o.get(a1.cid)?.state).toBe('pending');
    expect(o.nextWake()).toBe(1500);
    expect(o.take(1200)).toEqual([]);
    expect(cids(o.take(1500))).toEqual([a1.cid]);
  });

  it('acks are idempotent: a dup ack after sent changes nothing', () => {
    const o = new Outbox();
    const a1 = msg('a');
    o.add(a1);
    o.take(0);
    expect(o.ack(a1.cid, { id: 'm1', seq: 1, ts: 1 })?.state).toBe('sent');
    expect(o.ack(a1.cid, { id: 'm1', seq: 1, ts: 1 })).toBeUndefined();
  });

  it('restores stored messages before newer ones, oldest first, skipping sent ones', () => {
    const o = new Outbox();
    const fresh = msg('a', 'new', 100);
    o.add(fresh);
    const old1 = msg('a', 'old1', 1);
    const old2 = msg('a', 'old2', 2);
    o.restore([old2, { ...msg('a', 'x', 3), state: 'sent' }, old1]);
    expect(o.list().map((m) => m.text)).toEqual(['old1', 'old2', 'new']);
    expect(o.take(0).map((m) => m.text)).toEqual(['old1']);
  });
});
