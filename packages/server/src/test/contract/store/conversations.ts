import { describe, expect, it } from 'vitest';
import type { NewConversation } from '../../../ports/store.js';
import { makeGroup, makeUsers, type StoreContext, send, sleep, uid } from './helpers.js';

function direct(a: string, b: string, id = uid('dm')): NewConversation {
  return {
    id,
    kind: 'direct',
    title: '',
    workspace_id: null,
    is_public: false,
    created_by: a,
    direct_key: [a, b].sort().join(':'),
    members: [
      { user_id: a, role: 'member' },
      { user_id: b, role: 'member' },
    ],
  };
}

export function conversationTests(ctx: StoreContext): void {
  describe('conversations and members', () => {
    it('creates a conversation with one member event per initial member', async () => {
      const s = ctx.store();
      const [a, b, c] = await makeUsers(s, 3);
      const id = uid('c');
      const r = await s.createConversation({
        id,
        kind: 'group',
        title: 'Trip',
        workspace_id: null,
        is_public: false,
        created_by: a!,
        direct_key: null,
        members: [
          { user_id: a!, role: 'owner' },
          { user_id: b!, role: 'member' },
          { user_id: c!, role: 'admin' },
        ],
      });
      expect(r.created).toBe(true);
      expect(r.conversation).toMatchObject({ id, kind: 'group', title: 'Trip', last_seq: 3 });
      expect(r.events.map((e) => e.event)).toEqual([
        expect.objectContaining({ kind: 'member', seq: 1, user: a, action: 'join', role: 'owner' }),
        expect.objectContaining({ kind: 'member', seq: 2, user: b, action: 'add', role: 'member' }),
        expect.objectContaining({ kind: 'member', seq: 3, user: c, action: 'add', role: 'admin' }),
      ]);
      const pos = r.events.map((e) => e.pos);
      expect(pos).toEqual([...pos].sort((x, y) => x - y));
      expect(await s.headPos()).toBe(pos[2]);
      expect(await s.getConversation(id)).toEqual(r.conversation);
      expect(await s.getConversation(uid('c'))).toBeNull();
      expect(await s.getMember(id, c!)).toMatchObject({ conv: id, user_id: c, role: 'admin' });
      expect((await s.memberIds(id)).sort()).toEqual([a, b, c].sort());
      expect((await s.listMembers(id)).map((m) => m.user_id).sort()).toEqual([a, b, c].sort());
      expect(await s.conversationIds(b!)).toEqual([id]);
    });

    it('keeps one direct conversation per pair, also under concurrent creation', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const first = await s.createConversation(direct(a!, b!));
      expect(first.created).toBe(true);
      const again = await s.createConversation(direct(b!, a!));
      expect(again).toEqual({ conversation: first.conversation, created: false, events: [] });
      const [c, d] = await makeUsers(s, 2);
      const racing = await Promise.all([1, 2, 3].map(() => s.createConversation(direct(c!, d!))));
      expect(new Set(racing.map((r) => r.conversation.id)).size).toBe(1);
      expect(racing.filter((r) => r.created)).toHaveLength(1);
    });

    it('applies leave, remove, re-join and role changes', async () => {
      const s = ctx.store();
      const [a, b, c] = await makeUsers(s, 3);
      const conv = await makeGroup(s, a!, [b!, c!]);
      const leave = { kind: 'member', action: 'leave', role: 'member' } as const;
      await s.append({ conv, sender: b!, body: { ...leave, user: b! } });
      await s.append({
        conv,
        sender: a!,
        body: { kind: 'member', user: c!, action: 'remove', role: 'member' },
      });
      expect(await s.getMember(conv, b!)).toBeNull();
      expect(await s.memberIds(conv)).toEqual([a]);
      expect(await s.conversationIds(b!)).toEqual([]);
      expect(await s.listConversations(c!)).toEqual([]);
      await s.append({
        conv,
        sender: b!,
        body: { kind: 'member', user: b!, action: 'join', role: 'member' },
      });
      await s.append({
        conv,
        sender: a!,
        body: { kind: 'member', user: b!, action: 'role', role: 'admin' },
      });
      expect(await s.getMember(conv, b!)).toMatchObject({ role: 'admin' });
      expect((await s.memberIds(conv)).sort()).toEqual([a, b].sort());
    });

    it('updates the title and mute state', async () => {
      const s = ctx.store();
      const [a] = await makeUsers(s, 1);
      const conv = await makeGroup(s, a!, []);
      const r = await s.append({ conv, sender: a!, body: { kind: 'conversation', title: 'New' } });
      expect(r.event).toMatchObject({ kind: 'conversation', title: 'New', seq: 2 });
      expect(await s.getConversation(conv)).toMatchObject({ title: 'New', last_seq: 2 });
      await s.setMuted(conv, a!, true);
      expect(await s.getMember(conv, a!)).toMatchObject({ muted: true });
      await s.setMuted(conv, a!, false);
      expect(await s.getMember(conv, a!)).toMatchObject({ muted: false });
    });
  });

  describe('read markers and the conversation list', () => {
    it('moves read markers forward only', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const conv = await makeGroup(s, a!, [b!]);
      for (let i = 0; i < 4; i++) await send(s, conv, a!, `m${i}`);
      const r = await s.append({ conv, sender: b!, body: { kind: 'read', read_seq: 5 } });
      expect(r.event).toMatchObject({ kind: 'read', read_seq: 5, sender: b, seq: 7 });
      expect(r.pos).toBe(await s.headPos());
      const head = await s.headPos();
      for (const read_seq of [3, 5]) {
        const back = await s.append({ conv, sender: b!, body: { kind: 'read', read_seq } });
        expect(back.event).toBeNull();
        expect(back.dup).toBe(false);
      }
      expect(await s.headPos()).toBe(head);
      expect(await s.getMember(conv, b!)).toMatchObject({ read_seq: 5 });
      expect(await s.getConversation(conv)).toMatchObject({ last_seq: 7 });
    });

    it('counts unread messages by others, not deleted, above the read marker', async () => {
      const s = ctx.store();
      const [a, b] = await makeUsers(s, 2);
      const conv = await makeGroup(s, a!, [b!]);
      const m1 = await send(s, conv, a!, 'one');
      await send(s, conv, a!, 'two');
      await send(s, conv, b!, 'mine');
      const m4 = await send(s, conv, a!, 'three');
      await s.append({ conv, sender: a!, body: { kind: 'delete', target: m4.id } });
      const list = await s.listConversations(b!);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ unread: 2, peer_id: null, member: { user_id: b } });
      expect(list[0]?.last_message).toMatchObject({ id: m4.id, text: '', deleted: true });
      await s.append({ conv, sender: b!, body: { kind: 'read', read_seq: m1.seq } });
      expect((await s.listConversations(b!))[0]?.unread).toBe(1);
      expect((await s.listConversations(a!))[0]?.unread).toBe(1);
    });

    it('lists conversations newest first with the last message and the direct peer', async () => {
      const s = ctx.store();
      const [a, b, c] = await makeUsers(s, 3);
      const g = await makeGroup(s, a!, [c!]);
      const dm = (await s.createConversation(direct(a!, b!))).conversation.id;
      await sleep(5);
      const m = await send(s, g, c!, 'latest in group');
      await s.append({
        conv: g,
        sender: c!,
        body: { kind: 'edit', target: m.id, text: 'edited', mentions: [] },
      });
      let list = await s.listConversations(a!);
      expect(list.map((x) => x.conversation.id)).toEqual([g, dm]);
      expect(list[0]?.last_message).toMatchObject({ id: m.id, text: 'edited' });
      expect(list[1]).toMatchObject({ peer_id: b, last_message: null });
      await sleep(5);
      await send(s, dm, b!, 'hi');
      list = await s.listConversations(a!);
      expect(list.map((x) => x.conversation.id)).toEqual([dm, g]);
      expect(list[0]?.conversation.last_seq).toBe(3);
    });
  });
}
