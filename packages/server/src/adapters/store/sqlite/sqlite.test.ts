import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { messageBody } from '../../../test/contract/store/helpers.js';
import { storeContract } from '../../../test/contract/store.contract.js';
import { Appender } from './append.js';
import { openDatabase, Statements } from './db.js';
import { GroupCommit } from './group-commit.js';
import { SCHEMA_VERSION, SqliteStore, type SqliteStoreOptions } from './index.js';
import { INLINE_BUDGET } from './inline-budget.js';
import { MIGRATIONS } from './migrations.js';
import { POST_AT_APPENDS } from './writer.js';

function tempPath(): string {
  return join(tmpdir(), `parley-store-${randomUUID()}.db`);
}

async function removeDb(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(path + suffix, { force: true });
}

/** User `u` and group `c` with `u` as its owner (seq 1 is the join). */
async function seedOneConversation(store: SqliteStore): Promise<void> {
  await store.createUser({ id: 'u', username: 'u', display_name: 'U', password_hash: null });
  await store.createConversation({
    id: 'c',
    kind: 'group',
    title: 't',
    workspace_id: null,
    is_public: false,
    created_by: 'u',
    direct_key: null,
    members: [{ user_id: 'u', role: 'owner' }],
  });
}

type Mode = Pick<
  SqliteStoreOptions,
  'writerThread' | 'inlineBudget' | 'commitLingerMs' | 'busyGapMs'
>;

async function open(path: string, mode: Mode = {}): Promise<SqliteStore> {
  const store = new SqliteStore({ path, ...mode });
  await store.migrate();
  return store;
}

/** A store with `seedOneConversation`, open for `fn`, then closed and its files removed. */
async function withSeededStore(
  mode: Mode,
  fn: (store: SqliteStore, path: string) => Promise<void>,
): Promise<void> {
  const path = tempPath();
  const store = await open(path, mode);
  try {
    await seedOneConversation(store);
    await fn(store, path);
  } finally {
    await store.close();
    await removeDb(path);
  }
}

/** The default budget with no time for the event loop: every batch commits on the writer thread. */
const THREAD_ONLY = { ...INLINE_BUDGET, ms: 0 };

// The default: appends commit on the event loop under light load and on the writer thread
// past the inline budget. Each path alone too: every batch on the thread (budget 0), and the
// store without a writer thread.
const MODES: [string, Mode][] = [
  ['sqlite (default: inline, writer thread past the budget)', {}],
  ['sqlite (writer thread only)', { inlineBudget: THREAD_ONLY }],
  ['sqlite (no writer thread)', { writerThread: false }],
];
for (const [name, mode] of MODES) {
  storeContract(name, async () => {
    const path = tempPath();
    let store = await open(path, mode);
    return {
      store,
      reopen: async () => {
        store = await open(path, mode);
        return store;
      },
      cleanup: async () => {
        await store.close();
        await removeDb(path);
      },
    };
  });
}

/**
 * `n` messages from users `u` and `v` in turn into conversation `c`, awaiting `pause` after each
 * send; resolves to their seqs once all are committed. `tookMs`, if given, receives how long
 * each append took, ms.
 */
async function inTurn(
  store: SqliteStore,
  n: number,
  pause: () => Promise<unknown>,
  tookMs?: number[],
) {
  const all: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    const sender = i % 2 === 0 ? 'u' : 'v';
    const t0 = performance.now();
    all.push(
      store.append({ conv: 'c', sender, body: messageBody(`t${i}`) }).then((r) => {
        tookMs?.push(performance.now() - t0);
        return r.event?.seq ?? -1;
      }),
    );
    await pause();
  }
  return Promise.all(all);
}

/** An inline budget no test uses up, in which no commit counts as slow. */
const GENEROUS_BUDGET = {
  ms: 10_000,
  windowMs: 60_000,
  slowMs: Number.POSITIVE_INFINITY,
  slowFactor: 0,
  slowChargeMs: 0,
};

describe('SqliteStore', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const path = tempPath();
    const store = await open(path);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const v = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number };
      expect(v.v).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    // synchronous, foreign_keys and busy_timeout are per connection: check the opener.
    const conn = openDatabase(path);
    try {
      expect(conn.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(conn.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(conn.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      conn.close();
      await removeDb(path);
    }
  });

  it('records each migration once', async () => {
    const path = tempPath();
    const store = await open(path);
    await store.migrate();
    await store.close();
    const again = await open(path);
    await again.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT version FROM schema_version').all();
    db.close();
    await removeDb(path);
    expect(rows).toHaveLength(SCHEMA_VERSION);
  });

  it('commits a large burst in batches and settles every append', async () => {
    const store = new SqliteStore({ path: ':memory:', maxBatch: 64 });
    await store.migrate();
    await seedOneConversation(store);
    const n = 5000;
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) }),
      ),
    );
    const ms = performance.now() - t0;
    expect(results.map((r) => r.event!.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    expect(ms).toBeLessThan(5000);
    await store.close();
  });

  it('flushes pending appends on close and refuses appends after it', async () => {
    const path = tempPath();
    const store = await open(path);
    await seedOneConversation(store);
    const pending = store.append({ conv: 'c', sender: 'u', body: messageBody('last words') });
    await store.close();
    await expect(pending).resolves.toMatchObject({ dup: false, event: { seq: 2 } });
    await expect(
      store.append({ conv: 'c', sender: 'u', body: messageBody('x') }),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    const again = await open(path);
    expect((await again.getConversation('c'))?.last_seq).toBe(2);
    await again.close();
    await removeDb(path);
  });

  it('upgrades a version 3 database with data: seqs, sync and appends carry on', async () => {
    const path = tempPath();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) old.exec(m.sql);
    old.exec(`
      CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
        applied_at INTEGER NOT NULL);
      INSERT INTO schema_version VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0);
      INSERT INTO users (id, username, display_name, password_hash, created_at)
        VALUES ('u', 'u', 'U', NULL, 0);
      INSERT INTO conversations (id, kind, title, workspace_id, is_public, created_by,
        direct_key, created_at, last_seq, last_ts) VALUES ('c', 'group', 't', NULL, 0, 'u', NULL,
        100, 2, 200);
      INSERT INTO members (conv, user_id, role, read_seq, joined_at) VALUES ('c', 'u', 'owner', 1, 100);
      INSERT INTO events (pos, conv, seq, sender, ts, kind, msg_id, body) VALUES
        (1, 'c', 1, 'u', 100, 'member', 'u', '{"user":"u","action":"join","role":"owner"}'),
        (2, 'c', 2, 'u', 200, 'message', 'm1', NULL);
      INSERT INTO messages (conv, id, seq, pos, sender, cid, ts, text, mentions)
        VALUES ('c', 'm1', 2, 2, 'u', 'k1', 200, 'old text', '[]');`);
    old.close();
    const store = await open(path);
    try {
      expect(await store.getConversation('c')).toMatchObject({ last_seq: 2, last_ts: 200 });
      const next = await store.append({ conv: 'c', sender: 'u', body: messageBody('new') });
      expect(next.event).toMatchObject({ seq: 3 });
      const page = await store.changesSince('u', 1, 10);
      expect(page.events.map((e) => e.event.seq)).toEqual([2, 3]);
      expect(page.events[0]?.event).toMatchObject({ kind: 'message', text: 'old text' });
      // The old message moved to the table keyed by id (version 5): found by id, still
      // deduplicated by its client id, editable.
      expect(await store.getMessage('c', 'm1')).toMatchObject({ seq: 2, text: 'old text' });
      expect(await store.getMessage('other', 'm1')).toBeNull();
      const retry = await store.append({
        conv: 'c',
        sender: 'u',
        body: messageBody('again', { cid: 'k1' }),
      });
      expect(retry).toMatchObject({ dup: true, event: { id: 'm1', seq: 2 } });
      await store.append({
        conv: 'c',
        sender: 'u',
        body: { kind: 'edit', target: 'm1', text: 'edited', mentions: [] },
      });
      expect(await store.getMessage('c', 'm1')).toMatchObject({ text: 'edited' });
      // Version 6: the client-id index is keyed by cid first, and a retry's lookup uses it.
      const db = new Database(path, { readonly: true });
      try {
        const indexes = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'")
          .pluck()
          .all();
        expect(indexes).toContain('messages_cid_sender');
        expect(indexes).not.toContain('messages_sender_cid');
        const plan = db
          .prepare('EXPLAIN QUERY PLAN SELECT pos FROM messages WHERE sender = ? AND cid = ?')
          .all('u', 'k1') as { detail: string }[];
        expect(plan.map((p) => p.detail).join()).toContain(
          'INDEX messages_cid_sender (cid=? AND sender=?)',
        );
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      await removeDb(path);
    }
  });

  it.each([
    ['the event loop', {}],
    ['the writer thread', { inlineBudget: THREAD_ONLY }],
  ] as [string, Mode][])('copies the WAL back on its own thread after commits on %s', (_, mode) =>
    withSeededStore(mode, async (store, path) => {
      const before = statSync(path).size;
      // About 1,500 pages in 30 commits: past the checkpointer's threshold (256), far below the writer's own
      // (16,000), so only the checkpointer thread can have moved them into the database file.
      for (let round = 0; round < 30; round++) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.append({
              conv: 'c',
              sender: 'u',
              body: messageBody(`${round}.${i} ${'x'.repeat(4000)}`),
            }),
          ),
        );
      }
      const deadline = Date.now() + 5000;
      while (statSync(path).size <= before && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(statSync(path).size).toBeGreaterThan(before + 1024 * 1024);
    }),
  );

  it('fails only the bad appends of a batch: a duplicate, an unknown conversation, a torn message', async () => {
    const path = tempPath();
    const seeded = await open(path);
    await seedOneConversation(seeded);
    await seeded.close();
    const db = openDatabase(path);
    try {
      // The row of message `m-torn` fails after its event was written.
      db.exec(`CREATE TRIGGER torn BEFORE INSERT ON messages WHEN NEW.id = 'm-torn'
        BEGIN SELECT RAISE(ABORT, 'torn on purpose'); END`);
      const commit = new GroupCommit(db, new Appender(new Statements(db)));
      const msg = (id: string, cid: string, conv = 'c') => ({
        conv,
        sender: 'u',
        body: messageBody(id, { id, cid }),
      });
      const first = commit.commitNow([msg('m-a', 'a')]);
      expect(first[0]).toMatchObject({ ok: true, result: { dup: false, event: { seq: 2 } } });
      const out = commit.commitNow([
        msg('m-b', 'b'),
        msg('m-dup', 'a'),
        msg('m-torn', 't'),
        msg('m-nowhere', 'n', 'no-such-conversation'),
        { conv: 'c', sender: 'u', body: { kind: 'read', read_seq: 3 } },
        msg('m-c', 'c'),
        msg('m-b-again', 'b'),
      ]);
      expect(out.map((o) => o.ok)).toEqual([true, true, false, false, true, true, true]);
      expect(out[0]).toMatchObject({ result: { dup: false, event: { id: 'm-b', seq: 3 } } });
      expect(out[1]).toMatchObject({ result: { dup: true, event: { id: 'm-a', seq: 2 } } });
      expect(out[3]).toMatchObject({ error: { code: 'not_found' } });
      expect(out[4]).toMatchObject({ result: { event: { kind: 'read', seq: 4 } } });
      expect(out[5]).toMatchObject({ result: { dup: false, event: { id: 'm-c', seq: 5 } } });
      // A duplicate of a message earlier in the same transaction answers with that one.
      expect(out[6]).toMatchObject({ result: { dup: true, event: { id: 'm-b', seq: 3 } } });
      // Nothing of the torn one, the duplicate or the lost one was stored; seqs have no gap.
      expect(
        db
          .prepare("SELECT count(*) FROM events WHERE msg_id IN ('m-torn', 'm-dup', 'm-b-again')")
          .pluck()
          .get(),
      ).toBe(0);
      const ids = db.prepare('SELECT id FROM messages ORDER BY seq').pluck().all();
      expect(ids).toEqual(['m-a', 'm-b', 'm-c']);
      const seqs = db.prepare("SELECT seq FROM events WHERE conv = 'c' ORDER BY seq").pluck().all();
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
      const pos = db
        .prepare('SELECT e.pos = m.pos FROM messages m JOIN events e ON e.msg_id = m.id')
        .pluck()
        .all();
      expect(pos).toEqual([1, 1, 1]);
      // Alone in its transaction, a torn message fails by itself too.
      expect(commit.commitNow([msg('m-torn', 't2')])[0]).toMatchObject({ ok: false });
      expect(db.prepare("SELECT count(*) FROM events WHERE msg_id = 'm-torn'").pluck().get()).toBe(
        0,
      );
    } finally {
      db.close();
      await removeDb(path);
    }
  });

  it('commits on the writer thread past the inline budget, keeping appends in order', () =>
    // 0.5 ms in every 3: a commit or two of each window run on the event loop, the rest on the
    // thread. Bursts keep the thread busy while the budget renews; an inline commit then would
    // overtake the appends in flight on the thread.
    withSeededStore(
      { inlineBudget: { ms: 0.5, windowMs: 3, slowMs: 2, slowFactor: 3, slowChargeMs: 25 } },
      async (store) => {
        const settled: number[] = [];
        const seqs: number[] = [];
        const all: Promise<unknown>[] = [];
        for (let i = 0; i < 2000; i++) {
          all.push(
            store.append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) }).then((r) => {
              seqs[i] = r.event?.seq ?? -1;
              settled.push(r.event?.seq ?? -1);
            }),
          );
          if (i % 10 === 0) await new Promise((r) => setImmediate(r));
          // Now and then a pause: the thread goes idle, the next batch may commit inline again.
          if (i % 200 === 199) {
            await Promise.all(all);
            await new Promise((r) => setTimeout(r, 5));
          }
        }
        await Promise.all(all);
        // seq 1 is the owner's join: append i gets seq i + 2, and they settle in that order.
        const expected = Array.from({ length: all.length }, (_, i) => i + 2);
        expect(seqs).toEqual(expected);
        expect(settled).toEqual(expected);
        const batches = store.appendBatches();
        expect(batches?.inline).toBeGreaterThanOrEqual(10);
        expect(batches?.thread).toBeGreaterThan(0);
      },
    ));

  it('hands commits to the writer thread for the rest of the window after a few slow inline commits', () =>
    // Every commit counts as slow (slowMs and slowFactor 0) and is charged 250 of the 1,000 ms:
    // the first four of the minute run inline.
    withSeededStore(
      { inlineBudget: { ms: 1000, windowMs: 60_000, slowMs: 0, slowFactor: 0, slowChargeMs: 250 } },
      async (store) => {
        for (let i = 0; i < 10; i++) {
          await store.append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) });
        }
        expect(store.appendBatches()).toEqual({ inline: 4, thread: 6 });
        // Each awaited before the next: one transaction, one fsync, per batch.
        expect(store.appendCommits()).toEqual({ inline: 4, thread: 6 });
      },
    ));

  it('commits every batch on the event loop while under the inline budget', () =>
    // No commit counts as slow: this machine's fsyncs vary.
    withSeededStore({ inlineBudget: GENEROUS_BUDGET }, async (store) => {
      for (let i = 0; i < 20; i++) {
        await store.append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) });
      }
      expect(store.appendBatches()).toEqual({ inline: 20, thread: 0 });
    }));

  describe('under load (ADR 0015)', () => {
    // Only the load decides where a batch commits.
    const inlineBudget = GENEROUS_BUDGET;

    it('commits nothing on the event loop while appends of different senders come close together', () =>
      // Close together: under 1 s apart, so that a slow turn of this shared machine still counts.
      withSeededStore({ inlineBudget, commitLingerMs: 0, busyGapMs: 1000 }, async (store) => {
        await store.createUser({ id: 'v', username: 'v', display_name: 'V', password_hash: null });
        // One sender alone, each append awaited: not load, every batch inline.
        for (let i = 0; i < 5; i++) {
          await store.append({ conv: 'c', sender: 'u', body: messageBody(`a${i}`) });
        }
        const before = store.appendBatches()!;
        expect(before.thread).toBe(0);
        // Two senders in turn, a turn apart: load.
        const seqs = await inTurn(store, 30, () => new Promise((r) => setImmediate(r)));
        // seq 1 is the owner's join, 2-6 the first five: in order, gap-free
        expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 7));
        const after = store.appendBatches()!;
        // The first two of the pairs are not yet three gaps of load: at most those inline.
        expect(after.inline - before.inline).toBeLessThanOrEqual(2);
        expect(after.thread - before.thread).toBeGreaterThanOrEqual(20);
      }));

    it(`hands every ${POST_AT_APPENDS} appends of one turn to the writer thread at once`, () =>
      withSeededStore({ inlineBudget, commitLingerMs: 0 }, async (store) => {
        const n = 2 * POST_AT_APPENDS + 10;
        const all: Promise<number>[] = [];
        for (let i = 0; i < n; i++) {
          all.push(
            store
              .append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) })
              .then((r) => r.event?.seq ?? -1),
          );
        }
        // Still in the turn that made them: two batches are on the thread already.
        expect(store.appendBatches()).toEqual({ inline: 0, thread: 2 });
        expect(await Promise.all(all)).toEqual(Array.from({ length: n }, (_, i) => i + 2));
        // The last ten, at the turn's end, behind the two in flight: the thread as well.
        expect(store.appendBatches()).toEqual({ inline: 0, thread: 3 });
        // The thread commits what reached it during its last fsync together: 3 batches, 1-3
        // transactions.
        const commits = store.appendCommits()!;
        expect(commits.inline).toBe(0);
        expect(commits.thread).toBeGreaterThanOrEqual(1);
        expect(commits.thread).toBeLessThanOrEqual(3);
      }));
  });

  describe('commit linger (ADR 0010)', () => {
    // A budget no test uses up: without load, every batch commits inline.
    const inlineBudget = GENEROUS_BUDGET;

    /**
     * `n` appends `gapMs` apart, from two senders in turn; returns the batches used and how long
     * each append took, ms. Not load (that is under `BUSY_GAP_MS` apart, ADR 0015): every batch
     * commits inline, where it lingers.
     */
    async function twoSenders(
      store: SqliteStore,
      n = 20,
      gapMs = 5,
    ): Promise<{ batches: number; tookMs: number[] }> {
      await store.createUser({ id: 'v', username: 'v', display_name: 'V', password_hash: null });
      const before = store.appendBatches()!;
      const tookMs: number[] = [];
      const seqs = await inTurn(store, n, () => new Promise((r) => setTimeout(r, gapMs)), tookMs);
      // seq 1 is the owner's join: in order, gap-free
      expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 2));
      const after = store.appendBatches()!;
      return { batches: after.inline + after.thread - before.inline - before.thread, tookMs };
    }

    it('groups appends of different senders arriving closer than the linger', () =>
      // The first three commit alone (three gaps make the mean); then a batch waits two gaps,
      // 10 ms, and holds two or three appends (ADR 0017).
      withSeededStore({ inlineBudget, commitLingerMs: 50 }, async (store) => {
        expect((await twoSenders(store)).batches).toBeLessThanOrEqual(13);
      }));

    it('waits about two gaps for company, not the whole linger (ADR 0017)', () =>
      // Appends 20 ms apart under a 400 ms linger: a batch waits 40 ms, so none takes 200 ms,
      // and the batches still hold two or three appends.
      withSeededStore({ inlineBudget, commitLingerMs: 400 }, async (store) => {
        const { batches, tookMs } = await twoSenders(store, 12, 20);
        expect(tookMs).toHaveLength(12);
        expect(Math.max(...tookMs)).toBeLessThan(200);
        expect(batches).toBeLessThanOrEqual(9);
      }));

    it('commits each at once without a linger', () =>
      withSeededStore({ inlineBudget, commitLingerMs: 0 }, async (store) => {
        expect((await twoSenders(store)).batches).toBeGreaterThanOrEqual(12);
      }));

    it('does not wait when appends are far apart on average, even two close together (ADR 0011)', () =>
      // Two senders 1 ms apart, then 1.3 s later again: the mean of the last three gaps stays
      // over the 400 ms linger, so no append waits for company that is not coming.
      withSeededStore({ inlineBudget, commitLingerMs: 400 }, async (store) => {
        await store.createUser({ id: 'v', username: 'v', display_name: 'V', password_hash: null });
        const tookMs: number[] = [];
        const timed = async (sender: string, text: string) => {
          const t0 = performance.now();
          await store.append({ conv: 'c', sender, body: messageBody(text) });
          tookMs.push(performance.now() - t0);
        };
        for (let pair = 0; pair < 2; pair++) {
          if (pair > 0) await new Promise((r) => setTimeout(r, 1300));
          const first = timed('u', `a${pair}`);
          await new Promise((r) => setTimeout(r, 1));
          await Promise.all([first, timed('v', `b${pair}`)]);
        }
        expect(tookMs).toHaveLength(4);
        for (const ms of tookMs) expect(ms).toBeLessThan(400);
      }));

    it('never makes one sender wait for itself', () =>
      // With a 10 s linger, a single wait would time this test out.
      withSeededStore({ inlineBudget, commitLingerMs: 10_000 }, async (store) => {
        for (let i = 0; i < 20; i++) {
          await store.append({ conv: 'c', sender: 'u', body: messageBody(`m${i}`) });
        }
        expect(store.appendBatches()).toEqual({ inline: 20, thread: 0 });
      }));
  });
});
