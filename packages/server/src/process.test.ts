/**
 * Tests of the `parley` process itself (needs the compiled dist/, which `npm test` builds first):
 * the CLI, graceful drain on SIGTERM, and durability across SIGKILL.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  AckFrame,
  ConversationView,
  HistoryPage,
  MessageEvent,
  Session,
} from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, RawClient, register, spawnServer, tempDir, uname } from './test/harness.js';

const BIN = fileURLToPath(new URL('../bin/parley.js', import.meta.url));
const dirs: string[] = [];
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

describe('parley CLI', () => {
  it('prints help, rejects unknown commands and bad configuration with exit 2', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('parley start');
    expect(help.stdout).toContain('PARLEY_DATA_DIR');
    const unknown = cli(['fly']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'fly'");
    const bad = cli(['migrate', '--data-dir', dir()], { PARLEY_PORT: 'eighty' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('PARLEY_PORT');
  });

  it('migrates, creates a user who can then sign in', async () => {
    const d = dir();
    expect(cli(['migrate', '--data-dir', d]).status).toBe(0);
    const created = cli(['user', 'create', 'Carol', '--data-dir', d], {
      PARLEY_PASSWORD: 'pass phrase',
    });
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/created user carol \(u_/);
    const again = cli(['user', 'create', 'carol', '--data-dir', d, '--password', 'pass phrase']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('username_taken');
    const srv = await spawnServer(d);
    try {
      const login = await api<Session>(srv.url, 'POST', '/v1/auth/login', undefined, {
        username: 'carol',
        password: 'pass phrase',
      });
      expect(login.status).toBe(200);
    } finally {
      await srv.stop();
    }
  });
});

describe('parley process', () => {
  it('drains on SIGTERM: clients are told to reconnect, closed with 4009, exit 0', async () => {
    const srv = await spawnServer(dir());
    const a = await register(srv.url, uname('drain'));
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    const code = srv.stop();
    expect(await c.next('reconnect')).toMatchObject({ reason: 'draining' });
    expect(await c.closed()).toBe(4009);
    expect(await code).toBe(0);
  });

  it('keeps every acknowledged message, exactly once, across SIGKILL; resending the rest completes it', async () => {
    const d = dir();
    let srv = await spawnServer(d);
    const a = await register(srv.url, uname('kill'));
    const b = await register(srv.url, uname('kill'));
    const conv = (
      await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'direct',
        user: b.user.id,
      })
    ).body.id;
    const N = 400;
    const acked = new Map<string, number>();
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    c.ws.on('message', (data: Buffer) => {
      const f = JSON.parse(data.toString()) as AckFrame;
      if (f.type === 'ack') acked.set(f.cid, f.seq);
    });
    for (let i = 0; i < N; i++) c.send({ type: 'send', conv, cid: `k${i}`, text: `burst ${i}` });
    while (acked.size < 50) await new Promise((r) => setTimeout(r, 2));
    await srv.kill();
    const ackedAtKill = new Map(acked);
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(50);

    srv = await spawnServer(d, srv.port);
    try {
      const login = await api<Session>(srv.url, 'POST', '/v1/auth/login', undefined, {
        username: a.user.username,
        password: 'correct horse',
      });
      const token = login.body.access_token;
      const stored = await allMessages(srv.url, conv, token);
      const byCid = new Map(stored.map((m) => [m.cid, m]));
      expect(byCid.size).toBe(stored.length); // no duplicates
      for (const [cid, seq] of ackedAtKill) expect(byCid.get(cid)?.seq, cid).toBe(seq);
      // The client's outbox re-sends everything not acked, with the same cids.
      const c2 = await RawClient.connect(srv.wsUrl, token);
      for (let i = 0; i < N; i++) {
        const ack = (await c2.request({
          type: 'send',
          conv,
          cid: `k${i}`,
          text: `burst ${i}`,
        })) as AckFrame;
        expect(ack.type).toBe('ack');
        if (ackedAtKill.has(`k${i}`))
          expect(ack).toMatchObject({ dup: true, seq: ackedAtKill.get(`k${i}`) });
      }
      const final = await allMessages(srv.url, conv, token);
      expect(final).toHaveLength(N);
      expect(new Set(final.map((m) => m.cid)).size).toBe(N);
      const seqs = (await allEvents(srv.url, conv, token)).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // gap-free
      c2.close();
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

async function allEvents(url: string, conv: string, token: string) {
  const out: HistoryPage['events'] = [];
  let after = 0;
  for (;;) {
    const page = await api<HistoryPage>(
      url,
      'GET',
      `/v1/conversations/${conv}/events?after=${after}&limit=500`,
      token,
    );
    out.push(...page.body.events);
    if (!page.body.more || page.body.events.length === 0) return out;
    after = page.body.events.at(-1)!.seq;
  }
}

async function allMessages(url: string, conv: string, token: string): Promise<MessageEvent[]> {
  return (await allEvents(url, conv, token)).filter((e): e is MessageEvent => e.kind === 'message');
}
