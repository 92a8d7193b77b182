import type { MessageEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { MessageLog } from './message-log.js';

const msg = (seq: number, over: Partial<MessageEvent> = {}): MessageEvent => ({
  kind: 'message',
  conv: 'c',
  seq,
  sender: 'u1',
  ts: seq * 1000,
  id: `m${seq}`,
  cid: `cid${seq}`,
  text: `text ${seq}`,
  reply_to: null,
  thread_root: null,
  mentions: [],
  ...over,
});

describe('MessageLog', () => {
  it('orders messages by seq across history pages and live events', () => {
    const log = new MessageLog();
    log.apply(msg(10));
    log.addHistory([msg(7), msg(8)], true);
    log.addHistory([msg(5)], false);
    expect(log.messages().map((m) => m.seq)).toEqual([5, 7, 8, 10]);
    expect(log.oldestSeq).toBe(5);
    expect(log.hasMore).toBe(false);
  });

  it('ignores duplicates and keeps the live version', () => {
    const log = new MessageLog();
    log.apply(msg(3));
    log.apply({
      kind: 'edit',
      conv: 'c',
      seq: 4,
      sender: 'u1',
      ts: 9,
      target: 'm3',
      text: 'new',
      mentions: [],
    });
    log.addHistory([msg(3)], false);
    expect(log.get('m3')?.text).toBe('new');
    expect(log.get('m3')?.edited_at).toBe(9);
  });

  it('applies deletes and reactions', () => {
    const log = new MessageLog();
    log.apply(msg(1));
    const react = (seq: number, sender: string, on: boolean) =>
      log.apply({ kind: 'reaction', conv: 'c', seq, sender, ts: 1, target: 'm1', emoji: '👍', on });
    react(2, 'a', true);
    react(3, 'b', true);
    react(4, 'a', false);
    expect(log.get('m1')?.reactions).toEqual({ '👍': ['b'] });
    react(5, 'b', false);
    expect(log.get('m1')?.reactions).toEqual({});
    log.apply({ kind: 'delete', conv: 'c', seq: 6, sender: 'u1', ts: 1, target: 'm1' });
    expect(log.get('m1')).toMatchObject({ deleted: true, text: '' });
  });

  it('tracks read markers forward only and answers seen-by', () => {
    const log = new MessageLog();
    log.setRead('a', 5);
    log.apply({ kind: 'read', conv: 'c', seq: 9, sender: 'b', ts: 1, read_seq: 8 });
    log.setRead('a', 3);
    expect(log.seenBy(5, 'me')).toEqual(['a', 'b']);
    expect(log.seenBy(6, 'me')).toEqual(['b']);
    expect(log.seenBy(6, 'b')).toEqual([]);
  });

  it('counts thread replies', () => {
    const log = new MessageLog();
    log.addHistory([msg(1), msg(2, { thread_root: 'm1' }), msg(3, { thread_root: 'm1' })], false);
    expect(log.replyCounts().get('m1')).toBe(2);
    expect(log.replies('m1').map((m) => m.seq)).toEqual([2, 3]);
  });
});
