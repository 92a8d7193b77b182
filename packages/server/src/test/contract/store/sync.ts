import type { ConvEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Store, StoredEvent } from '../../../ports/store.js';
import { makeGroup, makeUsers, type StoreContext, send } from './helpers.js';

/** Every page from sincePos on, with the given page size. */
async function drain(s: Store, user: string, sincePos: number, limit: number) {
  const all: StoredEvent[] = [];
  let pos = sincePos;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await s.changesSince(user, pos, limit);
    expect(page.events.length).toBeLessThanOrEqual(limit);
    all.push(...page.events);
    if (page.events.length > 0) expect(page.pos).toBe(page.events.at(-1)!.pos);
    pos = page.pos;
    if (!page.more) return { events: all, pos };
  }
  throw new Error('changesSince never ended');
}

const key = (e: ConvEvent) => `${e.conv}#${e.seq}`;

export function syncTests(ctx: StoreContext): void {
  describe('changesSince', () => {
    it("returns the user's events by pos, in pages, and the head when none", async () => {
      const s = ctx.store();
      const [u, v, w] = await makeUsers(s, 3);
      const c1 = await makeGroup(s, u!, [v!]);
      const c2 = await makeGroup(s, v!, [u!]);
      const foreign = await makeGroup(s, v!, [w!]);
      const start = await s.headPos();
      const mine: string[] = [];
      for (let i = 0; i < 7; i++) {
        mine.push(key(await send(s, c1, v!, `a${i}`)));
        await send(s, foreign, w!, `f${i}`);
        mine.push(key(await send(s, c2, u!, `b${i}`)));
      }
      const whole = await s.changesSince(u!, start, 100);
      expect(whole.events.map((e) => key(e.event))).toEqual(mine);
      expect(whole.more).toBe(false);
      const pos = whole.events.map((e) => e.pos);
      expect(pos).toEqual([...pos].sort((x, y) => x - y));
      expect(new Set(pos).size).toBe(pos.length);

      const paged = await drain(s, u!, start, 3);
      expect(paged.events).toEqual(whole.events);
      const first = await s.changesSince(u!, start, 3);
      expect(first.more).toBe(true);
      expect(first.pos).toBe(pos[2]);

      const head = await s.headPos();
      expect(await s.changesSince(u!, head, 10)).toEqual({ events: [], pos: head, more: false });
      await send(s, foreign, w!, 'not for u');
      const none = await s.changesSince(u!, head, 10);
      expect(none).toEqual({ events: [], pos: await s.headPos(), more: false });
    });

    it('from every starting position, returns exactly the later part of the stream', async () => {
      // Conversations with long and short runs of changes, interleaved, one left midway: each
      // starting position must cut every conversation at the right event (an adapter may find
      // that cut by searching, so every distance from the newest event is tried).
      const s = ctx.store();
      const [u, v] = await makeUsers(s, 2);
      const busy = await makeGroup(s, u!, [v!]);
      const quiet = await makeGroup(s, v!, [u!]);
      const left = await makeGroup(s, v!, [u!]);
      const start = await s.headPos();
      for (let i = 0; i < 40; i++) {
        await send(s, busy, v!, `b${i}`);
        if (i % 7 === 0) await send(s, quiet, v!, `q${i}`);
        if (i % 3 === 0) await send(s, left, v!, `l${i}`);
        if (i === 25) {
          await s.append({
            conv: left,
            sender: v!,
            body: { kind: 'member', user: u!, action: 'leave', role: 'member' },
          });
        }
      }
      const head = await s.headPos();
      const whole = await drain(s, u!, start, 1000);
      expect(whole.events.length).toBeGreaterThan(40);
      for (let since = start; since <= head; since++) {
        const want = whole.events.filter((e) => e.pos > since);
        const got = await s.changesSince(u!, since, 1000);
        expect(got.events.map((e) => e.pos)).toEqual(want.map((e) => e.pos));
        expect(got.more).toBe(false);
      }
      for (const since of [start, start + 17, start + 50]) {
        const paged = await drain(s, u!, since, 4);
        expect(paged.events).toEqual(whole.events.filter((e) => e.pos > since));
      }
    });

    it('returns messages, edits and read markers as part of the stream', async () => {
      const s = ctx.store();
      const [u, v] = await makeUsers(s, 2);
      const c = await makeGroup(s, u!, [v!]);
      const start = await s.headPos();
      const m = await send(s, c, v!, 'hello');
      await s.append({
        conv: c,
        sender: v!,
        body: { kind: 'edit', target: m.id, text: 'hi', mentions: [] },
      });
      await s.append({ conv: c, sender: u!, body: { kind: 'read', read_seq: m.seq + 1 } });
      const page = await s.changesSince(u!, start, 10);
      expect(page.events.map((e) => e.event.kind)).toEqual(['message', 'edit', 'read']);
      expect(page.events[0]?.event).toMatchObject({ id: m.id, conv: c });
      expect(page.events[2]?.event).toMatchObject({ sender: u, read_seq: m.seq + 1 });
    });

    it('cuts a left conversation at the leave and adds new conversations from the join', async () => {
      const s = ctx.store();
      const [u, v] = await makeUsers(s, 2);
      const stay = await makeGroup(s, v!, [u!]);
      const left = await makeGroup(s, v!, [u!]);
      const start = await s.headPos();
      const before = await send(s, left, v!, 'before leaving');
      const leave = await s.append({
        conv: left,
        sender: v!,
        body: { kind: 'member', user: u!, action: 'remove', role: 'member' },
      });
      const afterLeave = await s.headPos();
      await send(s, left, v!, 'after leaving: secret');
      const s1 = await send(s, stay, v!, 'still here');
      const joined = await makeGroup(s, v!, [u!]);
      const later = await send(s, joined, v!, 'in the new one');

      const all = await drain(s, u!, start, 2);
      const keys = all.events.map((e) => key(e.event));
      expect(keys).toEqual([
        key(before),
        key(leave.event!),
        key(s1),
        `${joined}#1`,
        `${joined}#2`,
        key(later),
      ]);
      expect(JSON.stringify(all.events)).not.toContain('secret');
      expect(all.events[1]?.event).toMatchObject({ kind: 'member', action: 'remove', user: u });

      const fromLeave = await drain(s, u!, afterLeave, 10);
      expect(fromLeave.events.some((e) => e.event.conv === left)).toBe(false);
      expect(fromLeave.events.map((e) => key(e.event))).toEqual(keys.slice(2));

      // Re-joining brings the conversation back from the join on.
      const rejoinFrom = await s.headPos();
      await s.append({
        conv: left,
        sender: v!,
        body: { kind: 'member', user: u!, action: 'add', role: 'member' },
      });
      const back = await send(s, left, v!, 'welcome back');
      const rejoined = await s.changesSince(u!, rejoinFrom, 10);
      expect(rejoined.events.map((e) => e.event.kind)).toEqual(['member', 'message']);
      expect(rejoined.events[1]?.event).toMatchObject({ id: back.id });
    });
  });
}
