/**
 * Sync across storage shards, end to end: a server on a directory database and two
 * conversation shards (real PostgreSQL), clients syncing over the WebSocket.
 */
import type { ConversationView, SyncResultFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';
import { createTestDatabase, type TestDatabase } from '../test/postgres.js';

let dbs: TestDatabase[] = [];
let srv: TestServer;
beforeAll(async () => {
  dbs = await Promise.all([0, 1, 2].map(() => createTestDatabase('syncshard')));
  srv = await startTestServer({ databaseUrl: dbs.map((d) => d.url).join(',') });
});
afterAll(async () => {
  await srv?.close();
  await Promise.all(dbs.map((d) => d.drop()));
});

describe('sync over two shards', () => {
  it('returns every change from both shards, once, with a vector token', async () => {
    const a = await register(srv.url, uname('sa'));
    const peers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => register(srv.url, uname('sp'))));
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    const start = (await c.request({ type: 'sync', token: null })) as SyncResultFrame;
    expect(start.token).toMatch(/^v\.[0-9a-z]+\.[0-9a-z]+$/);
    // Six direct conversations: placed by hash, so (almost surely) on both shards.
    const convs: string[] = [];
    for (const p of peers) {
      const v = await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'direct',
        user: p.user.id,
      });
      convs.push(v.body.id);
    }
    for (const [i, conv] of convs.entries()) {
      for (let k = 0; k < 3; k++) {
        const ack = await c.request({ type: 'send', conv, cid: `s${i}.${k}`, text: `m ${i} ${k}` });
        expect(ack.type).toBe('ack');
      }
    }
    const got: SyncResultFrame['events'] = [];
    let token = start.token;
    for (let guard = 0; guard < 50; guard++) {
      const page = (await c.request({ type: 'sync', token, limit: 5 })) as SyncResultFrame;
      got.push(...page.events);
      token = page.token;
      if (!page.more) break;
    }
    const messages = got.filter((e) => e.kind === 'message');
    expect(messages).toHaveLength(18);
    const keys = got.map((e) => `${e.conv}:${e.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const conv of convs) {
      const seqs = got.filter((e) => e.conv === conv).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // each conversation complete, in order
    }
    const after = (await c.request({ type: 'sync', token })) as SyncResultFrame;
    expect(after.events).toHaveLength(0);
    c.close();
  });
});
