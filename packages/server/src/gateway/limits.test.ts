import type { ConversationView, ErrorFrame } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ConfigInput } from '../config.js';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

const servers: TestServer[] = [];
async function server(over: Partial<ConfigInput>): Promise<TestServer> {
  const s = await startTestServer(over);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Opens a WebSocket (optionally with X-Forwarded-For); resolves 'open' or the HTTP status. */
function tryOpen(wsUrl: string, xff?: string): Promise<{ ws: WebSocket; status: number }> {
  const ws = new WebSocket(wsUrl, xff ? { headers: { 'x-forwarded-for': xff } } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d;
      });
      res.on('end', () => {
        expect(JSON.parse(body).code).toMatch(/^(rate_limited|too_many_connections)$/);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        resolve({ ws, status: res.statusCode ?? 0 });
      });
    });
    ws.once('error', (e) => {
      if (!/Unexpected server response/.test(String(e))) reject(e);
    });
  });
}

describe('gateway limits', () => {
  it('answers frames over the per-connection rate with rate_limited, then closes 4029', async () => {
    const srv = await server({
      limitFramesPerConn: 1,
      limitFramesBurstPerConn: 10,
      limitFloodStrikes: 5,
    });
    const a = await register(srv.url, uname('fl'));
    const c = await RawClient.connect(srv.wsUrl, a.access_token); // auth used 1 token
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => c.request({ type: 'ping', n: i })),
    );
    const types = answers.map((f) => (f.type === 'error' ? f.code : f.type));
    expect(types.filter((t) => t === 'pong').length).toBeGreaterThanOrEqual(8);
    const limited = answers.filter((f) => f.type === 'error') as ErrorFrame[];
    expect(limited.length).toBeGreaterThan(0);
    for (const e of limited) {
      expect(e.code).toBe('rate_limited');
      expect(e.retry_after_ms).toBeGreaterThan(0);
      expect(e.rid).toBeDefined();
    }
    // keeps going: disconnected with the documented close code
    for (let i = 0; i < 10; i++) c.send({ type: 'ping' });
    expect(await c.closed()).toBe(4029);
    expect(c.closeReason).toBe('rate_limit_exceeded');
  });

  it('limits message writes per account across its connections', async () => {
    const srv = await server({ limitMsgsPerAccount: 2, limitMsgsBurstPerAccount: 4 });
    const a = await register(srv.url, uname('ma'));
    const b = await register(srv.url, uname('mb'));
    const conv = (
      await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'direct',
        user: b.user.id,
      })
    ).body.id;
    const c1 = await RawClient.connect(srv.wsUrl, a.access_token);
    const c2 = await RawClient.connect(srv.wsUrl, a.access_token);
    const res = [];
    for (let i = 0; i < 6; i++) {
      const c = i % 2 ? c2 : c1;
      res.push(await c.request({ type: 'send', conv, cid: `m${i}`, text: 'x' }));
    }
    const acks = res.filter((f) => f.type === 'ack').length;
    expect(acks).toBe(4);
    const err = res.find((f) => f.type === 'error') as ErrorFrame;
    expect(err).toMatchObject({ code: 'rate_limited' });
    expect(err.retry_after_ms).toBeGreaterThan(0);
    // another account is not affected
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    expect((await cb.request({ type: 'send', conv, cid: 'b', text: 'y' })).type).toBe('ack');
    for (const c of [c1, c2, cb]) c.close();
  });

  it('limits new connections per IP per second, by the trusted-proxy address', async () => {
    const srv = await server({ limitConnRatePerIp: 3, trustedProxies: '127.0.0.1' });
    const opened: WebSocket[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await tryOpen(srv.wsUrl, '198.51.100.1');
      statuses.push(r.status);
      opened.push(r.ws);
    }
    expect(statuses.slice(0, 3)).toEqual([101, 101, 101]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // another client address behind the same proxy is not slowed
    expect((await tryOpen(srv.wsUrl, '198.51.100.2')).status).toBe(101);
    for (const ws of opened) ws.terminate();
  });

  it('never reads X-Forwarded-For from an untrusted peer', async () => {
    const srv = await server({ limitConnRatePerIp: 2 });
    const statuses: number[] = [];
    const opened: WebSocket[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await tryOpen(srv.wsUrl, `203.0.113.${i}`);
      statuses.push(r.status);
      opened.push(r.ws);
    }
    expect(statuses).toEqual([101, 101, 429, 429]);
    for (const ws of opened) ws.terminate();
  });

  it('limits open connections per IP and per account', async () => {
    const srv = await server({ limitConnPerIp: 3, limitConnPerAccount: 2 });
    const a = await register(srv.url, uname('cc'));
    const c1 = await RawClient.connect(srv.wsUrl, a.access_token);
    const c2 = await RawClient.connect(srv.wsUrl, a.access_token);
    const c3 = await RawClient.open(srv.wsUrl);
    c3.send({ type: 'auth', token: a.access_token });
    expect(await c3.next('error')).toMatchObject({ code: 'too_many_connections' });
    expect(await c3.closed()).toBe(4010);
    const d = await RawClient.open(srv.wsUrl); // third open socket of this IP
    expect((await tryOpen(srv.wsUrl)).status).toBe(429);
    d.close();
    await d.closed();
    c2.close();
    await c2.closed();
    const again = await RawClient.connect(srv.wsUrl, a.access_token);
    for (const c of [c1, again]) c.close();
  });

  it('refuses deeply nested frames before parsing, and keeps serving', async () => {
    const srv = await server({ limitJsonDepth: 8 });
    const a = await register(srv.url, uname('dp'));
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    c.sendRaw(`{"type":"ping","x":${'['.repeat(60_000)}${']'.repeat(60_000).slice(0, 10)}}`);
    expect((await c.next('error')).code).toBe('frame_too_deep');
    c.sendRaw(`{"type":"ping","rid":1,"x":${'{"a":'.repeat(7)}1${'}'.repeat(7)}}`);
    expect((await c.next('pong')).rid).toBe(1);
    c.close();
  });

  it('closes an unauthenticated socket that stays silent (4003)', async () => {
    const srv = await server({ limitUnauthIdleMs: 200, authTimeoutMs: 10_000 });
    const c = await RawClient.open(srv.wsUrl);
    const t0 = Date.now();
    expect(await c.closed(3000)).toBe(4003);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('lets an instance admin disable an account, closing its sockets within a second', async () => {
    const adminName = uname('admin');
    const srv = await server({ admins: adminName });
    const admin = await register(srv.url, adminName);
    const victim = await register(srv.url, uname('vic'));
    const other = await register(srv.url, uname('oth'));
    const ws1 = await RawClient.connect(srv.wsUrl, victim.access_token);
    const ws2 = await RawClient.connect(srv.wsUrl, victim.access_token);
    const no = await api(
      srv.url,
      'POST',
      `/v1/admin/users/${victim.user.id}/disable`,
      other.access_token,
    );
    expect(no.status).toBe(403);
    const t0 = Date.now();
    const res = await api(
      srv.url,
      'POST',
      `/v1/admin/users/${victim.user.id}/disable`,
      admin.access_token,
    );
    expect(res.status).toBe(204);
    expect(await ws1.closed(1000)).toBe(4103);
    expect(await ws2.closed(1000)).toBe(4103);
    expect(Date.now() - t0).toBeLessThan(1000);
    const login = await api(srv.url, 'POST', '/v1/auth/login', undefined, {
      username: victim.user.username,
      password: 'correct horse',
    });
    expect(login.status).toBe(401);
    const refresh = await api(srv.url, 'POST', '/v1/auth/refresh', undefined, {
      refresh_token: victim.refresh_token,
    });
    expect(refresh.status).toBe(401);
    expect((await api(srv.url, 'GET', '/v1/me', victim.access_token)).status).toBe(401);
    const en = await api(
      srv.url,
      'POST',
      `/v1/admin/users/${victim.user.id}/enable`,
      admin.access_token,
    );
    expect(en.status).toBe(204);
    const back = await api(srv.url, 'POST', '/v1/auth/login', undefined, {
      username: victim.user.username,
      password: 'correct horse',
    });
    expect(back.status).toBe(200);
  });
});
