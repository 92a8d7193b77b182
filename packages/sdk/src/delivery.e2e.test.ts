/**
 * Delivery guarantees through the SDK against real servers: one order for every member under
 * concurrent senders, and exactly-once after a server is killed with SIGKILL mid-burst.
 */
import { rmSync } from 'node:fs';
import type { MessageEvent } from '@parley/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { spawnServer, startTestServer, tempDir, uname } from '../../server/src/test/harness.js';
import { ExponentialBackoff } from './backoff.js';
import { ParleyClient } from './client.js';

const clients: ParleyClient[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function client(baseUrl: string): ParleyClient {
  const c = new ParleyClient({
    baseUrl,
    WebSocket: WebSocket as never,
    reconnectPolicy: new ExponentialBackoff({ baseMs: 50, maxMs: 300 }),
    requestTimeoutMs: 10_000,
  });
  clients.push(c);
  return c;
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('delivery through the SDK', () => {
  it('20 concurrent senders: every member sees the same gap-free order', async () => {
    const srv = await startTestServer();
    try {
      const members = Array.from({ length: 20 }, () => client(srv.url));
      for (const m of members)
        await m.register({ username: uname('o'), password: 'correct horse' });
      const [owner, ...rest] = members;
      const conv = (
        await owner!.createConversation({
          kind: 'group',
          title: 'order',
          members: rest.map((m) => m.user!.id),
        })
      ).id;
      const seen = new Map<ParleyClient, MessageEvent[]>();
      for (const m of members) {
        const list: MessageEvent[] = [];
        seen.set(m, list);
        m.on('message', (e) => {
          if (e.conv === conv) list.push(e);
        });
      }
      await Promise.all(members.map((m) => m.connect()));
      const PER = 15;
      await Promise.all(
        members.map(async (m, i) => {
          for (let k = 0; k < PER; k++) m.send(conv, `sender ${i} message ${k}`);
        }),
      );
      const total = members.length * PER;
      await until(() => [...seen.values()].every((l) => l.length >= total), 'all deliveries');
      const reference = seen.get(owner!)!.map((e) => `${e.seq}:${e.id}`);
      const seqs = seen.get(owner!)!.map((e) => e.seq);
      // gap-free: messages follow the 20 member events of creation, one seq each
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      for (const [m, list] of seen) {
        expect(
          list.map((e) => `${e.seq}:${e.id}`),
          m.user!.username,
        ).toEqual(reference);
      }
      // each sender's own messages keep the order it sent them in
      for (let i = 0; i < members.length; i++) {
        const mine = seen
          .get(owner!)!
          .filter((e) => e.sender === members[i]!.user!.id)
          .map((e) => e.text);
        expect(mine).toEqual(Array.from({ length: PER }, (_, k) => `sender ${i} message ${k}`));
      }
    } finally {
      await srv.close();
    }
  }, 60_000);

  it('server SIGKILLed mid-burst: every acked message exists once, the outbox sends the rest', async () => {
    const dir = tempDir();
    let srv = await spawnServer(dir);
    try {
      const a = client(srv.url);
      const b = client(srv.url);
      await a.register({ username: uname('ka'), password: 'correct horse' });
      await b.register({ username: uname('kb'), password: 'correct horse' });
      const conv = (await a.createConversation({ kind: 'direct', user: b.user!.id })).id;
      const received: MessageEvent[] = [];
      b.on('message', (e) => received.push(e));
      await Promise.all([a.connect(), b.connect()]);
      const acked = new Map<string, number>();
      a.on('ack', (f) => acked.set(f.cid, f.seq));
      const N = 300;
      for (let i = 0; i < N; i++) a.send(conv, `burst ${i}`);
      await until(() => acked.size >= 30, 'some acks');
      const port = srv.port;
      await srv.kill();
      const ackedAtKill = new Map(acked);
      srv = await spawnServer(dir, port);
      await until(() => received.filter((m) => m.conv === conv).length >= N, 'all messages at b');
      const page = await b.history(conv, { after: 0, limit: 500 });
      const stored = page.events.filter((e): e is MessageEvent => e.kind === 'message');
      expect(stored).toHaveLength(N);
      expect(new Set(stored.map((m) => m.cid)).size).toBe(N);
      for (const [cid, seq] of ackedAtKill) {
        expect(stored.find((m) => m.cid === cid)?.seq, cid).toBe(seq);
      }
      // b saw each message exactly once, in the sender's order
      const atB = received.filter((m) => m.conv === conv);
      expect(atB.map((m) => m.text)).toEqual(Array.from({ length: N }, (_, i) => `burst ${i}`));
    } finally {
      await srv.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
