import { ParleyError } from '@parley/protocol';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../ports/store.js';
import { messageBody } from '../../../test/contract/store/helpers.js';
import { storeContract } from '../../../test/contract/store.contract.js';
import {
  createTestDatabase,
  type TestDatabase,
  terminateConnections,
} from '../../../test/postgres.js';
import { PostgresStore, SCHEMA_VERSION } from './index.js';

/** Databases this file created; all dropped at the end, so the server is left clean. */
const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((d) => d.drop()));
});

async function freshDatabase(tag: string): Promise<TestDatabase> {
  const db = await createTestDatabase(tag);
  created.push(db);
  return db;
}

let shared: Promise<TestDatabase> | undefined;

async function open(url: string, maxBatch?: number): Promise<PostgresStore> {
  const store = new PostgresStore({ url, maxBatch });
  await store.migrate();
  return store;
}

// One database for the whole contract run: the contract's tests use fresh ids.
storeContract('postgres', async () => {
  shared ??= freshDatabase('contract');
  const { url } = await shared;
  let store = await open(url);
  return {
    store,
    reopen: async () => {
      store = await open(url);
      return store;
    },
    cleanup: () => store.close(),
  };
});

async function seedConversation(s: PostgresStore, members = 1): Promise<string[]> {
  const users = Array.from({ length: members }, (_, i) => `u${i}`);
  for (const u of users) {
    await s.createUser({ id: u, username: u, display_name: u, password_hash: null });
  }
  await s.createConversation({
    id: 'c',
    kind: 'group',
    title: 't',
    workspace_id: null,
    is_public: false,
    created_by: 'u0',
    direct_key: null,
    members: users.map((user_id, i) => ({ user_id, role: i === 0 ? 'owner' : 'member' })),
  });
  return users;
}

describe('PostgresStore', () => {
  it('records each migration once, also when nodes migrate at the same time', async () => {
    const db = await freshDatabase('migrate');
    const nodes = await Promise.all(
      Array.from({ length: 4 }, () => Promise.resolve(new PostgresStore({ url: db.url }))),
    );
    await Promise.all(nodes.map((n) => n.migrate()));
    await Promise.all(nodes.map((n) => n.migrate()));
    await Promise.all(nodes.map((n) => n.close()));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query('SELECT version FROM schema_version ORDER BY version');
    // Version 4: the client-id index is keyed by cid first (ADR 0014).
    const idx = await c.query(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexname LIKE 'messages_%cid%'",
    );
    await c.end();
    expect(rows.map((r) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    expect(idx.rows.map((r) => r.indexdef)).toEqual([
      'CREATE UNIQUE INDEX messages_cid_sender ON public.messages USING btree (cid, sender)',
    ]);
  });

  it('keeps seq gap-free and changesSince complete with two nodes appending at once', async () => {
    const db = await freshDatabase('nodes');
    const a = await open(db.url, 16);
    const b = await open(db.url, 16);
    const reader = await open(db.url);
    try {
      const users = await seedConversation(a, 4);
      // More conversations of the same members: batches of both nodes touch several at once.
      const convs = ['c'];
      for (let k = 1; k < 6; k++) {
        await a.createConversation({
          id: `c${k}`,
          kind: 'group',
          title: 't',
          workspace_id: null,
          is_public: false,
          created_by: 'u0',
          direct_key: null,
          members: users.map((user_id) => ({ user_id, role: 'member' })),
        });
        convs.push(`c${k}`);
      }
      const start = await reader.headPos();
      // A reader follows u1's stream while both nodes write: it must never skip an event that
      // commits later with a lower pos.
      const seen: StoredEvent[] = [];
      let pos = start;
      let writing = true;
      const pull = async () => {
        const page = await reader.changesSince('u1', pos, 50);
        seen.push(...page.events);
        pos = page.pos;
        return page.more;
      };
      const follow = (async () => {
        while (writing) if (!(await pull())) await new Promise((r) => setImmediate(r));
      })();
      const n = 1200;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          (i % 2 ? a : b).append({
            conv: convs[(i * 7) % convs.length]!,
            sender: users[i % users.length]!,
            body: messageBody(`m${i}`),
          }),
        ),
      );
      writing = false;
      await follow;
      while (await pull());

      for (const conv of convs) {
        const mine = results.filter((r) => r.event!.conv === conv);
        const seqs = mine.map((r) => r.event!.seq).sort((x, y) => x - y);
        const first = (await reader.getConversation(conv))!.last_seq - mine.length + 1;
        expect(seqs).toEqual(Array.from({ length: mine.length }, (_, i) => first + i));
        const bySeq = [...mine].sort((x, y) => x.event!.seq - y.event!.seq);
        for (let i = 1; i < bySeq.length; i++) {
          expect(bySeq[i]!.pos).toBeGreaterThan(bySeq[i - 1]!.pos);
        }
      }
      // The follower saw every event exactly once, in pos order.
      const key = (e: { conv: string; seq: number }) => `${e.conv}#${e.seq}`;
      expect(seen.map((e) => key(e.event)).sort()).toEqual(
        results.map((r) => key(r.event!)).sort(),
      );
      const seenPos = seen.map((e) => e.pos);
      expect(seenPos).toEqual([...seenPos].sort((x, y) => x - y));
    } finally {
      await Promise.all([a.close(), b.close(), reader.close()]);
    }
  });

  it('dedups a retried send that races on two nodes', async () => {
    const db = await freshDatabase('dedup');
    const a = await open(db.url);
    const b = await open(db.url);
    try {
      await seedConversation(a);
      const body = messageBody('once', { cid: 'retry-1' });
      const [r1, r2] = await Promise.all([
        a.append({ conv: 'c', sender: 'u0', body }),
        b.append({ conv: 'c', sender: 'u0', body }),
      ]);
      expect([r1.dup, r2.dup].sort()).toEqual([false, true]);
      expect(r1.pos).toBe(r2.pos);
      expect(r1.event?.seq).toBe(r2.event?.seq);
      expect((await a.getConversation('c'))?.last_seq).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('commits a large burst in batches and settles every append', async () => {
    const db = await freshDatabase('burst');
    const s = await open(db.url, 64);
    try {
      await seedConversation(s);
      const n = 3000;
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          s.append({ conv: 'c', sender: 'u0', body: messageBody(`m${i}`) }),
        ),
      );
      const ms = performance.now() - t0;
      expect(results.map((r) => r.event!.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
      expect(ms).toBeLessThan(15_000);
    } finally {
      await s.close();
    }
  });

  it('writes a run of messages in one statement, and one by one when that statement fails', async () => {
    const db = await freshDatabase('runs');
    const s = await open(db.url);
    try {
      await seedConversation(s);
      const burst = (texts: string[], id?: string) =>
        Promise.allSettled(
          texts.map((t, i) =>
            s.append({
              conv: 'c',
              sender: 'u0',
              body: messageBody(t, i === 1 && id ? { id } : {}),
            }),
          ),
        );
      const first = await burst(['a', 'b', 'c']);
      expect(first.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(s.appendRuns()).toEqual({ batched: 1, fallback: 0 });
      // A message id that exists fails the statement as a whole (primary key): the run is
      // rolled back to its savepoint and written one by one, so only that message fails.
      const taken = (await s.history('c', { after: 0, limit: 10 })).events.find(
        (e) => e.kind === 'message',
      ) as { id: string };
      const second = await burst(['d', 'e', 'f'], taken.id);
      expect(second.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(s.appendRuns()).toEqual({ batched: 1, fallback: 1 });
      const h = await s.history('c', { after: 0, limit: 10 });
      expect(h.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(h.events.slice(1).map((e) => (e as { text: string }).text)).toEqual([
        'a',
        'b',
        'c',
        'd',
        'f',
      ]);
    } finally {
      await s.close();
    }
  });

  it('flushes pending appends on close and refuses appends after it', async () => {
    const db = await freshDatabase('close');
    const s = await open(db.url);
    await seedConversation(s);
    const pending = s.append({ conv: 'c', sender: 'u0', body: messageBody('last words') });
    await s.close();
    await expect(pending).resolves.toMatchObject({ dup: false, event: { seq: 2 } });
    await expect(
      s.append({ conv: 'c', sender: 'u0', body: messageBody('x') }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    await expect(s.ping()).rejects.toMatchObject({ code: 'unavailable' });
    const again = await open(db.url);
    expect((await again.getConversation('c'))?.last_seq).toBe(2);
    await again.close();
  });

  it('rejects with unavailable when PostgreSQL cannot be reached', async () => {
    const s = new PostgresStore({
      url: 'postgres://postgres@127.0.0.1:1/none',
      pool: { connectionTimeoutMillis: 1000 },
    });
    try {
      await expect(s.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(s.migrate()).rejects.toBeInstanceOf(ParleyError);
      await expect(
        s.append({ conv: 'c', sender: 'u0', body: messageBody('x') }),
      ).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await s.close();
    }
  });

  it('recovers after its connections are terminated (admin shutdown)', async () => {
    const db = await freshDatabase('recover');
    const s = await open(db.url);
    try {
      await seedConversation(s);
      await s.append({ conv: 'c', sender: 'u0', body: messageBody('before') });
      expect(await terminateConnections(db.name)).toBeGreaterThan(0);
      // The pool's idle clients are dead: the first attempts may fail with `unavailable`
      // (retryable); a retry succeeds once the pool has reconnected.
      let ok = false;
      for (let i = 0; i < 5 && !ok; i++) {
        try {
          const r = await s.append({ conv: 'c', sender: 'u0', body: messageBody('after') });
          expect(r.event?.seq).toBe(3);
          ok = true;
        } catch (e) {
          expect(e).toMatchObject({ code: 'unavailable' });
        }
      }
      expect(ok).toBe(true);
      await expect(s.ping()).resolves.toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
