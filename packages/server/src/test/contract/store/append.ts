import type { MessageEvent } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import {
  asMessage,
  makeGroup,
  makeUsers,
  messageBody,
  type StoreContext,
  send,
  uid,
} from './helpers.js';

export function appendTests(ctx: StoreContext): void {
  describe('append', () => {
    it('assigns gap-free seqs and increasing pos under 200 concurrent appends', async () => {
      const s = ctx.store();
      const senders = await makeUsers(s, 10);
      const conv = await makeGroup(s, senders[0]!, senders.slice(1));
      const before = (await s.getConversation(conv))!.last_seq;
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          s.append({ conv, sender: senders[i % 10]!, body: messageBody(`n${i}`) }),
        ),
      );
      const seqs = results.map((r) => r.event!.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => before + 1 + i));
      const bySeq = [...results].sort((a, b) => a.event!.seq - b.event!.seq);
      for (let i = 1; i < bySeq.length; i++) {
        expect(bySeq[i]!.pos).toBeGreaterThan(bySeq[i - 1]!.pos);
      }
      expect((await s.getConversation(conv))!.last_seq).toBe(before + 200);
      const h = await s.history(conv, { after: before, limit: 500 });
      expect(h.events.map((e) => e.seq)).toEqual(seqs);
      expect(h.more).toBe(false);
    });

    it('settles a burst over several conversations: retries, a missing conversation', async () => {
      // One batch (one turn of the event loop) of messages: stores may write such a run in one
      // statement, and must still give each its own outcome.
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const c1 = await makeGroup(s, a!, [b!]);
      const c2 = await makeGroup(s, b!, [a!]);
      const stored = await send(s, c1, a!, 'stored', { cid: uid('cid') });
      const base2 = (await s.getConversation(c2))!.last_seq;
      const again = uid('cid');
      const settled = await Promise.allSettled([
        s.append({ conv: c1, sender: a!, body: messageBody('1a') }),
        s.append({ conv: c2, sender: b!, body: messageBody('2a') }),
        s.append({ conv: c1, sender: a!, body: messageBody('retry', { cid: stored.cid }) }),
        s.append({ conv: uid('missing'), sender: a!, body: messageBody('nowhere') }),
        s.append({ conv: c2, sender: a!, body: messageBody('2b', { cid: again }) }),
        s.append({ conv: c1, sender: b!, body: messageBody('1b') }),
        s.append({ conv: c2, sender: a!, body: messageBody('2b again', { cid: again }) }),
      ]);
      const value = (i: number) => {
        const r = settled[i]!;
        if (r.status !== 'fulfilled') throw new Error(`append ${i} failed: ${String(r.reason)}`);
        return r.value;
      };
      expect(settled[3]).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
      expect(value(2)).toMatchObject({ dup: true, event: { id: stored.id, seq: stored.seq } });
      expect(value(6)).toMatchObject({ dup: true, event: { id: asMessage(value(4)).id } });
      expect(value(6).event!.seq).toBe(value(4).event!.seq);
      // The new ones: the next seqs of each conversation in submission order, pos in seq order.
      expect([value(0), value(5)].map((r) => r.event!.seq)).toEqual([
        stored.seq + 1,
        stored.seq + 2,
      ]);
      expect([value(1), value(4)].map((r) => r.event!.seq)).toEqual([base2 + 1, base2 + 2]);
      for (const [x, y] of [
        [value(0), value(5)],
        [value(1), value(4)],
      ] as const) {
        expect(y.pos).toBeGreaterThan(x.pos);
      }
      expect(value(4).event).toMatchObject({ kind: 'message', text: '2b', sender: a, conv: c2 });
      const h1 = await s.history(c1, { after: stored.seq - 1, limit: 10 });
      expect(h1.events.map((e) => (e as MessageEvent).text)).toEqual(['stored', '1a', '1b']);
      const h2 = await s.history(c2, { after: base2, limit: 10 });
      expect(h2.events.map((e) => (e as MessageEvent).text)).toEqual(['2a', '2b']);
      expect((await s.getConversation(c2))!.last_seq).toBe(base2 + 2);
    });

    it('returns the stored event with its seq, ts, sender and pos', async () => {
      const s = ctx.store();
      const [a] = await makeUsers(s, 1);
      const conv = await makeGroup(s, a!, []);
      const body = messageBody('hello', { reply_to: uid('m') });
      const t0 = Date.now();
      const r = await s.append({ conv, sender: a!, body });
      expect(r.dup).toBe(false);
      expect(r.pos).toBe(await s.headPos());
      const { kind: _k, ...fields } = body;
      expect(r.event).toMatchObject({ ...fields, kind: 'message', conv, sender: a, seq: 2 });
      expect(r.event!.ts).toBeGreaterThanOrEqual(t0 - 1000);
      expect(await s.getConversation(conv)).toMatchObject({ last_seq: 2, last_ts: r.event!.ts });
    });

    it('makes (sender, cid) idempotent, sequentially and within one batch', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const conv = await makeGroup(s, a!, [b!]);
      const cid = uid('cid');
      const first = await s.append({ conv, sender: a!, body: messageBody('x', { cid }) });
      const retry = await s.append({ conv, sender: a!, body: messageBody('y', { cid }) });
      expect(retry).toEqual({
        event: expect.objectContaining({ id: asMessage(first).id }),
        pos: first.pos,
        dup: true,
      });
      expect(asMessage(retry)).toMatchObject({ text: 'x', seq: first.event!.seq, cid });
      const other = await s.append({ conv, sender: b!, body: messageBody('z', { cid }) });
      expect(other.dup).toBe(false);
      // The retry left nothing behind: no seq was used up.
      expect(other.event!.seq).toBe(first.event!.seq + 1);

      const cid2 = uid('cid');
      const burst = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          s.append({ conv, sender: a!, body: messageBody(`t${i}`, { cid: cid2 }) }),
        ),
      );
      expect(burst.filter((r) => !r.dup)).toHaveLength(1);
      expect(new Set(burst.map((r) => r.event!.seq)).size).toBe(1);
      expect(new Set(burst.map((r) => r.pos)).size).toBe(1);
      expect((await s.getConversation(conv))!.last_seq).toBe(burst[0]!.event!.seq);
      expect(await s.headPos()).toBe(burst[0]!.pos);
    });

    it('rejects a failing append alone; the rest of its batch commits gap-free', async () => {
      const s = ctx.store();
      const [a] = await makeUsers(s, 1);
      const conv = await makeGroup(s, a!, []);
      const dupId = uid('m');
      await send(s, conv, a!, 'taken', { id: dupId });
      const settled = await Promise.allSettled([
        s.append({ conv, sender: a!, body: messageBody('ok1') }),
        s.append({ conv: uid('missing'), sender: a!, body: messageBody('no conversation') }),
        s.append({ conv, sender: a!, body: messageBody('same message id', { id: dupId }) }),
        s.append({ conv, sender: a!, body: messageBody('ok2') }),
      ]);
      expect(settled.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const seqs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.event!.seq] : []));
      expect(seqs).toEqual([3, 4]);
      const next = await send(s, conv, a!, 'after');
      expect(next.seq).toBe(5);
      const h = await s.history(conv, { after: 0, limit: 10 });
      expect(h.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    });

    it('keeps acknowledged appends across close and reopen', async () => {
      let s = ctx.store();
      const [a] = await makeUsers(s, 1);
      const conv = await makeGroup(s, a!, []);
      const cid = uid('cid');
      const acked = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          s.append({ conv, sender: a!, body: messageBody(`d${i}`, i === 7 ? { cid } : {}) }),
        ),
      );
      const head = await s.headPos();
      await s.close();
      s = await ctx.reopen();
      expect(await s.headPos()).toBe(head);
      expect(await s.getConversation(conv)).toMatchObject({ last_seq: 51 });
      const h = await s.history(conv, { after: 1, limit: 100 });
      expect(h.events).toEqual(acked.map((r) => expect.objectContaining(r.event!)));
      const retry = await s.append({ conv, sender: a!, body: messageBody('again', { cid }) });
      expect(retry).toMatchObject({ dup: true, pos: acked[7]!.pos });
      expect((await send(s, conv, a!, 'next')).seq).toBe(52);
      expect(await s.getUser(a!)).not.toBeNull();
    });

    it('materializes edits, reactions and deletes', async () => {
      const s = ctx.store();
      const [a, b, c] = await makeUsers(s, 3);
      const conv = await makeGroup(s, a!, [b!, c!]);
      const m = await send(s, conv, a!, 'original');
      const edit = await s.append({
        conv,
        sender: a!,
        body: { kind: 'edit', target: m.id, text: 'edited', mentions: [b!] },
      });
      expect(edit.event).toMatchObject({
        kind: 'edit',
        target: m.id,
        text: 'edited',
        mentions: [b],
      });
      const react = (sender: string, emoji: string, on: boolean) =>
        s.append({ conv, sender, body: { kind: 'reaction', target: m.id, emoji, on } });
      await react(b!, '👍', true);
      await react(c!, '👍', true);
      await react(c!, '🎉', true);
      await react(c!, '🎉', false);
      await react(a!, '❤️', true);
      const current = await s.getMessage(conv, m.id);
      expect(current).toMatchObject({ text: 'edited', mentions: [b], edited_at: edit.event!.ts });
      expect(current?.deleted ?? false).toBe(false);
      const reactions = current?.reactions ?? {};
      expect(Object.keys(reactions).sort()).toEqual(['❤️', '👍'].sort());
      expect([...(reactions['👍'] ?? [])].sort()).toEqual([b, c].sort());
      expect(reactions['❤️']).toEqual([a]);

      const { events } = await s.history(conv, { after: m.seq - 1, limit: 20 });
      expect(events.map((e) => e.kind)).toEqual([
        'message',
        'edit',
        'reaction',
        'reaction',
        'reaction',
        'reaction',
        'reaction',
      ]);
      expect(events[0]).toMatchObject({ id: m.id, text: 'edited', edited_at: edit.event!.ts });
      expect(events[5]).toMatchObject({ kind: 'reaction', emoji: '🎉', on: false, sender: c });

      await s.append({ conv, sender: a!, body: { kind: 'delete', target: m.id } });
      const gone = await s.getMessage(conv, m.id);
      expect(gone).toMatchObject({ id: m.id, text: '', deleted: true });
      expect(gone?.reactions ?? {}).toEqual({});
      const after = await s.history(conv, { after: 0, limit: 50 });
      expect(after.events.at(-1)).toMatchObject({ kind: 'delete', target: m.id });
      expect(JSON.stringify(after.events)).not.toContain('original');
      expect(await s.getMessage(conv, uid('m'))).toBeNull();
    });

    it('returns Unicode text byte-identical', async () => {
      const s = ctx.store();
      const texts = [
        '👩‍👩‍👧‍👦 🇰🇷 👍🏽 𝕳𝖊𝖑𝖑𝖔 🏳️‍🌈',
        '안녕하세요, 세계! 한국어 메시지 ㄱㄴㄷ',
        'مرحبا بالعالم \u200f(RTL)\u200e done',
        'e\u0301 a\u030a \ufeffBOM \u2028line\u2029para',
        `ctl:${Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('')}\u007f`,
        '"quotes" \'single\' \\back\\slash <b>&amp;</b> %_ ?1 $1',
      ];
      const name = `사용자_${uid('ü')}`;
      const [a] = await makeUsers(s, 1);
      const u = await s.createUser({
        id: uid('u'),
        username: name,
        display_name: 'Zoë 🙂 مستخدم',
        password_hash: null,
      });
      expect(await s.getUserByUsername(name)).toMatchObject({
        display_name: 'Zoë 🙂 مستخدم',
        id: u.id,
      });
      const conv = await makeGroup(s, a!, [u.id]);
      await s.append({ conv, sender: a!, body: { kind: 'conversation', title: texts[0]! } });
      const sent: MessageEvent[] = [];
      for (const t of texts) sent.push(await send(s, conv, u.id, t));
      const got = await s.history(conv, { after: 3, limit: 10 });
      expect(got.events.map((e) => (e as MessageEvent).text)).toEqual(texts);
      for (const m of sent) expect((await s.getMessage(conv, m.id))?.text).toBe(m.text);
      expect((await s.getConversation(conv))?.title).toBe(texts[0]);
    });
  });
}
