import type { MessageEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { makeGroup, makeUsers, type StoreContext, send } from './helpers.js';

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function historyTests(ctx: StoreContext): void {
  describe('history', () => {
    async function seeded() {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const conv = await makeGroup(s, a!, [b!]); // seq 1, 2
      for (let i = 0; i < 30; i++) await send(s, conv, i % 2 ? a! : b!, `h${i}`); // seq 3..32
      return { s, conv };
    }
    const seqs = (r: { events: { seq: number }[] }) => r.events.map((e) => e.seq);

    it('pages backwards from the newest, oldest first within a page', async () => {
      const { s, conv } = await seeded();
      const latest = await s.history(conv, { limit: 10 });
      expect(seqs(latest)).toEqual(range(23, 32));
      expect(latest.more).toBe(true);
      const older = await s.history(conv, { before: 23, limit: 10 });
      expect(seqs(older)).toEqual(range(13, 22));
      expect(older.more).toBe(true);
      const oldest = await s.history(conv, { before: 3, limit: 10 });
      expect(seqs(oldest)).toEqual([1, 2]);
      expect(oldest.more).toBe(false);
      expect(await s.history(conv, { before: 1, limit: 10 })).toEqual({ events: [], more: false });
      const exact = await s.history(conv, { before: 11, limit: 10 });
      expect(seqs(exact)).toEqual(range(1, 10));
      expect(exact.more).toBe(false);
      const all = await s.history(conv, { limit: 100 });
      expect(seqs(all)).toEqual(range(1, 32));
      expect(all.more).toBe(false);
    });

    it('pages forwards after a seq', async () => {
      const { s, conv } = await seeded();
      const first = await s.history(conv, { after: 0, limit: 10 });
      expect(seqs(first)).toEqual(range(1, 10));
      expect(first.more).toBe(true);
      const next = await s.history(conv, { after: 10, limit: 22 });
      expect(seqs(next)).toEqual(range(11, 32));
      expect(next.more).toBe(false);
      expect(await s.history(conv, { after: 32, limit: 10 })).toEqual({ events: [], more: false });
      expect((next.events.at(-1) as MessageEvent).text).toBe('h29');
    });

    it('filters a thread: the root and its replies', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const conv = await makeGroup(s, a!, [b!]);
      const root = await send(s, conv, a!, 'root');
      const replies: MessageEvent[] = [];
      for (let i = 0; i < 5; i++) {
        await send(s, conv, b!, `noise ${i}`);
        replies.push(await send(s, conv, i % 2 ? a! : b!, `reply ${i}`, { thread_root: root.id }));
      }
      const other = await send(s, conv, a!, 'other root');
      await send(s, conv, b!, 'other reply', { thread_root: other.id });
      const want = [root, ...replies].map((m) => m.id);

      const whole = await s.history(conv, { thread: root.id, limit: 50 });
      expect(whole.events.map((e) => (e as MessageEvent).id)).toEqual(want);
      expect(whole.more).toBe(false);

      const fwd = await s.history(conv, { thread: root.id, after: 0, limit: 2 });
      expect(fwd.events.map((e) => (e as MessageEvent).id)).toEqual(want.slice(0, 2));
      expect(fwd.more).toBe(true);
      const fwd2 = await s.history(conv, { thread: root.id, after: fwd.events[1]!.seq, limit: 10 });
      expect(fwd2.events.map((e) => (e as MessageEvent).id)).toEqual(want.slice(2));
      expect(fwd2.more).toBe(false);

      const back = await s.history(conv, { thread: root.id, limit: 3 });
      expect(back.events.map((e) => (e as MessageEvent).id)).toEqual(want.slice(3));
      expect(back.more).toBe(true);
      const back2 = await s.history(conv, {
        thread: root.id,
        before: back.events[0]!.seq,
        limit: 3,
      });
      expect(back2.events.map((e) => (e as MessageEvent).id)).toEqual(want.slice(0, 3));
      expect(back2.more).toBe(false);
    });
  });
}
