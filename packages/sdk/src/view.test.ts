import type { ConvEvent, ConversationView, MessageEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { LocalView } from './view.js';

const ME = 'u_me';
const OTHER = 'u_other';

function conv(id: string, o: Partial<ConversationView> = {}): ConversationView {
  return {
    id,
    kind: 'group',
    title: id,
    workspace_id: null,
    is_public: false,
    created_at: 0,
    last_seq: 0,
    last_ts: 0,
    role: 'member',
    read_seq: 0,
    unread: 0,
    muted: false,
    ...o,
  };
}
function message(c: string, seq: number, sender = OTHER): MessageEvent {
  return {
    kind: 'message',
    conv: c,
    seq,
    sender,
    ts: seq * 10,
    id: `m${seq}`,
    cid: `cid${seq}`,
    text: `hello ${seq}`,
    reply_to: null,
    thread_root: null,
    mentions: [],
  };
}
const read = (c: string, seq: number, read_seq: number, sender = ME): ConvEvent => ({
  kind: 'read',
  conv: c,
  seq,
  sender,
  ts: seq * 10,
  read_seq,
});

function viewWith(...list: ConversationView[]) {
  const v = new LocalView(() => ME);
  v.beginReset();
  v.finishReset(list);
  return v;
}

describe('LocalView', () => {
  it('reports a re-fetched list as a change even when it is unchanged', () => {
    const v = viewWith(conv('c1'));
    v.beginReset();
    expect(v.finishReset([conv('c1')]).changed).toBe(true);
    v.beginReset();
    expect(v.finishReset(null).changed).toBe(false);
  });

  it('counts messages by others as unread and updates the preview', () => {
    const v = viewWith(conv('c1'));
    v.apply(message('c1', 1));
    v.apply(message('c1', 2, ME));
    v.apply(message('c1', 3));
    const c = v.get('c1')!;
    expect(c.unread).toBe(2);
    expect(c.last_seq).toBe(3);
    expect(c.last_message?.id).toBe('m3');
  });

  it('clears unread when I read on another device (a read event by me)', () => {
    const v = viewWith(conv('c1'));
    v.apply(message('c1', 1));
    v.apply(message('c1', 2));
    expect(v.get('c1')!.unread).toBe(2);
    v.apply(read('c1', 3, 1));
    expect(v.get('c1')!.unread).toBe(1);
    v.apply(read('c1', 4, 2));
    expect(v.get('c1')!.unread).toBe(0);
    expect(v.get('c1')!.read_seq).toBe(2);
  });

  it("ignores other users' read events for my unread count", () => {
    const v = viewWith(conv('c1'));
    v.apply(message('c1', 1));
    v.apply(read('c1', 2, 1, OTHER));
    expect(v.get('c1')!.unread).toBe(1);
    expect(v.get('c1')!.read_seq).toBe(0);
  });

  it('uses the snapshot unread count and clears it when read past the snapshot', () => {
    const v = viewWith(conv('c1', { last_seq: 10, read_seq: 5, unread: 3, last_ts: 100 }));
    v.apply(message('c1', 11));
    expect(v.get('c1')!.unread).toBe(4);
    v.apply(read('c1', 12, 10));
    expect(v.get('c1')!.unread).toBe(1);
    expect(v.apply(read('c1', 13, 11)).changed).toBe(true);
    expect(v.get('c1')!.unread).toBe(0);
  });

  it('asks for a re-fetch when a read lands inside the snapshot window', () => {
    const v = viewWith(conv('c1', { last_seq: 10, read_seq: 5, unread: 3 }));
    expect(v.markRead('c1', 7).refetch).toEqual(['c1']);
  });

  it('does not count deleted messages', () => {
    const v = viewWith(conv('c1'));
    v.apply(message('c1', 1));
    v.apply(message('c1', 2));
    v.apply({ kind: 'delete', conv: 'c1', seq: 3, sender: OTHER, ts: 30, target: 'm2' });
    expect(v.get('c1')!.unread).toBe(1);
    expect(v.get('c1')!.last_message).toMatchObject({ id: 'm2', deleted: true, text: '' });
  });

  it('is idempotent and refuses gaps', () => {
    const v = viewWith(conv('c1'));
    v.apply(message('c1', 1));
    expect(v.apply(message('c1', 1)).changed).toBe(false);
    expect(v.apply(message('c1', 3))).toEqual({ changed: false, refetch: ['c1'] });
    expect(v.get('c1')!.unread).toBe(1);
  });

  it('asks to fetch unknown conversations and drops ones I left', () => {
    const v = viewWith(conv('c1'));
    expect(v.apply(message('c9', 1)).refetch).toEqual(['c9']);
    const leave: ConvEvent = {
      kind: 'member',
      conv: 'c1',
      seq: 1,
      sender: ME,
      ts: 1,
      user: ME,
      action: 'leave',
      role: 'member',
    };
    expect(v.apply(leave).changed).toBe(true);
    expect(v.get('c1')).toBeUndefined();
  });

  it('replays events that raced with a fetch onto the snapshot', () => {
    const v = viewWith(conv('c1'));
    v.beginFetch('c1');
    v.apply(message('c1', 5));
    v.apply(message('c1', 6));
    const r = v.finishFetch('c1', conv('c1', { last_seq: 5, last_ts: 50, unread: 5 }));
    expect(r.changed).toBe(true);
    expect(v.get('c1')).toMatchObject({ last_seq: 6, unread: 6 });
  });

  it('replays events that raced with a full reset', () => {
    const v = new LocalView(() => ME);
    v.beginReset();
    v.apply(message('c1', 1));
    v.apply(message('c1', 2));
    v.finishReset([conv('c1', { last_seq: 1, unread: 1 })]);
    expect(v.get('c1')).toMatchObject({ last_seq: 2, unread: 2 });
  });

  it('lists newest activity first', () => {
    const v = viewWith(conv('a', { last_ts: 1 }), conv('b', { last_ts: 5 }));
    expect(v.list().map((c) => c.id)).toEqual(['b', 'a']);
    v.apply(message('a', 1));
    expect(v.list().map((c) => c.id)).toEqual(['a', 'b']);
  });
});
