import { afterAll, describe, expect, it } from 'vitest';
import { makeUsers, messageBody, send, uid } from '../../../test/contract/store/helpers.js';
import { storeContract } from '../../../test/contract/store.contract.js';
import { createTestDatabase, type TestDatabase } from '../../../test/postgres.js';
import { ShardedStore, type ShardVector } from './index.js';

const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((d) => d.drop()));
});

async function databases(tag: string, n: number): Promise<string[]> {
  const dbs = await Promise.all(Array.from({ length: n }, () => createTestDatabase(tag)));
  created.push(...dbs);
  return dbs.map((d) => d.url);
}

async function open(urls: string[]): Promise<ShardedStore> {
  const [directory, ...shards] = urls;
  const store = new ShardedStore({ directory: directory!, shards });
  await store.migrate();
  return store;
}

// The whole contract through the sharding layer, with one conversation shard (scalar sync).
let single: Promise<string[]> | undefined;
storeContract('sharded postgres (directory + 1 shard)', async () => {
  single ??= databases('shard1', 2);
  const urls = await single;
  let store = await open(urls);
  return {
    store,
    reopen: async () => {
      store = await open(urls);
      return store;
    },
    cleanup: () => store.close(),
  };
});

describe('ShardedStore with two conversation shards', () => {
  let urls: Promise<string[]> | undefined;
  const two = () => {
    urls ??= databases('shard2', 3);
    return urls.then(open);
  };

  async function drain(s: ShardedStore, user: string, from: ShardVector, limit: number) {
    const keys: string[] = [];
    let pos = from;
    for (let i = 0; i < 1000; i++) {
      const page = await s.changesSinceVector(user, pos, limit);
      expect(page.events.length).toBeLessThanOrEqual(limit);
      keys.push(...page.events.map((e) => `${e.event.conv}#${e.event.seq}`));
      pos = page.pos;
      if (!page.more) return { keys, pos };
    }
    throw new Error('never ended');
  }

  it('places conversations on both shards and merges lists and sync', async () => {
    const s = await two();
    try {
      const [u, v] = await makeUsers(s, 2);
      const start = await s.headVector();
      expect(start).toHaveLength(2);
      const convs: string[] = [];
      for (let i = 0; i < 8; i++) {
        const id = uid('c');
        await s.createConversation({
          id,
          kind: 'group',
          title: `t${i}`,
          workspace_id: null,
          is_public: false,
          created_by: v!,
          direct_key: null,
          members: [
            { user_id: v!, role: 'owner' },
            { user_id: u!, role: 'member' },
          ],
        });
        convs.push(id);
      }
      const want: string[] = [];
      for (const c of convs) want.push(`${c}#1`, `${c}#2`);
      for (let i = 0; i < 40; i++) {
        const m = await send(s, convs[i % convs.length]!, v!, `m${i}`);
        want.push(`${m.conv}#${m.seq}`);
      }
      const head = await s.headVector();
      expect(head.every((p, i) => p > start[i]!)).toBe(true); // both shards hold conversations

      expect((await s.conversationIds(u!)).sort()).toEqual([...convs].sort());
      const list = await s.listConversations(u!);
      expect(list.map((x) => x.conversation.id).sort()).toEqual([...convs].sort());
      const ts = list.map((x) => x.conversation.last_ts);
      expect(ts).toEqual([...ts].sort((a, b) => b - a));

      const all = await drain(s, u!, start, 7);
      expect(all.keys.sort()).toEqual(want.sort());
      expect(all.pos).toEqual(head);
      const again = await s.changesSinceVector(u!, all.pos, 10);
      expect(again).toEqual({ events: [], pos: head, more: false });
      await expect(s.changesSince(u!, 0, 10)).rejects.toMatchObject({ code: 'internal' });
    } finally {
      await s.close();
    }
  });

  it('creates a direct conversation once when two nodes race', async () => {
    const [a, b] = await Promise.all([two(), two()]);
    try {
      const [u, v] = await makeUsers(a, 2);
      const key = [u!, v!].sort().join(':');
      const make = (s: ShardedStore) =>
        s.createConversation({
          id: uid('d'),
          kind: 'direct',
          title: '',
          workspace_id: null,
          is_public: false,
          created_by: u!,
          direct_key: key,
          members: [
            { user_id: u!, role: 'member' },
            { user_id: v!, role: 'member' },
          ],
        });
      const [r1, r2] = await Promise.all([make(a), make(b)]);
      expect(r1.conversation.id).toBe(r2.conversation.id);
      expect([r1.created, r2.created].sort()).toEqual([false, true]);
      const r = await a.append({ conv: r1.conversation.id, sender: v!, body: messageBody('hi') });
      expect(r.event?.seq).toBe(3);
      expect(await b.conversationIds(u!)).toEqual([r1.conversation.id]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
