import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../config.js';
import { api, register, startTestServer, type TestServer, uname } from '../test/harness.js';

const servers: TestServer[] = [];
async function server(over: Partial<ConfigInput>): Promise<TestServer> {
  const s = await startTestServer(over);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(url: string, xff?: string): Promise<Response> {
  return fetch(url, xff ? { headers: { 'x-forwarded-for': xff } } : {});
}

describe('HTTP limits', () => {
  it('limits requests per IP per route class with 429, Retry-After and retry_after_ms', async () => {
    const srv = await server({ limitHttpReadPerMin: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`${srv.url}/v1/me`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const res = await get(`${srv.url}/v1/users/u_x`);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as { code: string; retry_after_ms: number };
    expect(body.code).toBe('rate_limited');
    expect(body.retry_after_ms).toBeGreaterThan(0);
    // other classes and health checks are not affected
    expect((await get(`${srv.url}/healthz`)).status).toBe(200);
    expect((await api(srv.url, 'POST', '/v1/workspaces', undefined, { name: 'x' })).status).toBe(
      401,
    );
  });

  it('keys on X-Forwarded-For only behind a trusted proxy', async () => {
    const trusted = await server({ limitHttpReadPerMin: 2, trustedProxies: '127.0.0.0/8' });
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      expect((await get(`${trusted.url}/v1/me`, ip)).status).toBe(401);
      expect((await get(`${trusted.url}/v1/me`, ip)).status).toBe(401);
      expect((await get(`${trusted.url}/v1/me`, ip)).status).toBe(429);
    }
    const untrusted = await server({ limitHttpReadPerMin: 2 });
    expect((await get(`${untrusted.url}/v1/me`, '198.51.100.1')).status).toBe(401);
    expect((await get(`${untrusted.url}/v1/me`, '198.51.100.2')).status).toBe(401);
    expect((await get(`${untrusted.url}/v1/me`, '198.51.100.3')).status).toBe(429);
  });

  it('backs off sign-in of an account after repeated failures, and resets on success', async () => {
    const srv = await server({ limitLoginFreeFailures: 2 });
    const name = uname('bo');
    await register(srv.url, name);
    const login = (password: string) =>
      api<{ code: string; retry_after_ms?: number }>(srv.url, 'POST', '/v1/auth/login', undefined, {
        username: name,
        password,
      });
    expect((await login('wrong password')).status).toBe(401);
    expect((await login('wrong password')).status).toBe(401);
    expect((await login('wrong password')).status).toBe(401); // third failure sets a 1 s lock
    const locked = await login('correct horse');
    expect(locked.status).toBe(429);
    expect(locked.body.retry_after_ms).toBeGreaterThan(0);
    expect((await login('wrong password')).status).toBe(429);
    await sleep(1100);
    expect((await login('wrong password')).status).toBe(401); // fourth failure: 2 s
    const locked2 = await login('correct horse');
    expect(locked2.status).toBe(429);
    expect(locked2.body.retry_after_ms).toBeGreaterThan(1000);
    await sleep(2100);
    expect((await login('correct horse')).status).toBe(200);
    expect((await login('wrong password')).status).toBe(401);
    expect((await login('correct horse')).status).toBe(200); // the count started over
  });

  it('limits registrations and sign-in attempts per IP', async () => {
    const srv = await server({ limitRegisterPerIpPerHour: 2, limitLoginPerIpPerMin: 2 });
    await register(srv.url, uname('r'));
    await register(srv.url, uname('r'));
    const third = await api(srv.url, 'POST', '/v1/auth/register', undefined, {
      username: uname('r'),
      password: 'correct horse',
    });
    expect(third.status).toBe(429);
    const tries = [];
    for (let i = 0; i < 3; i++) {
      tries.push(
        (
          await api(srv.url, 'POST', '/v1/auth/login', undefined, {
            username: uname('nobody'),
            password: 'whatever1',
          })
        ).status,
      );
    }
    expect(tries).toEqual([401, 401, 429]);
  });

  it('refuses deeply nested JSON bodies before parsing', async () => {
    const srv = await server({ limitJsonDepth: 8 });
    const a = await register(srv.url, uname('deep'));
    const res = await api<{ code: string }>(
      srv.url,
      'POST',
      '/v1/workspaces',
      a.access_token,
      `{"name":${'['.repeat(50_000)}}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('frame_too_deep');
  });

  it('cuts connections that send headers or bodies too slowly', async () => {
    const srv = await server({ limitHttpHeadersTimeoutMs: 300, limitHttpRequestTimeoutMs: 600 });
    const { port } = new URL(srv.url);
    const slow = (chunks: string[], everyMs: number) =>
      new Promise<{ ms: number; data: string }>((resolve) => {
        const t0 = Date.now();
        const sock = connect(Number(port), '127.0.0.1');
        let data = '';
        let i = 0;
        const timer = setInterval(() => {
          if (i < chunks.length && !sock.destroyed) sock.write(chunks[i++]!);
        }, everyMs);
        sock.on('data', (d) => {
          data += d;
        });
        sock.on('error', () => {});
        sock.on('close', () => {
          clearInterval(timer);
          resolve({ ms: Date.now() - t0, data });
        });
      });
    // slowloris: one header line every 100 ms, never finishing
    const headers = await slow(
      ['GET /v1/me HTTP/1.1\r\n', ...Array.from({ length: 100 }, (_, i) => `X-${i}: y\r\n`)],
      100,
    );
    expect(headers.ms).toBeLessThan(2500);
    expect(headers.data).toMatch(/^HTTP\/1.1 408/);
    // slow body: headers at once, then one byte every 100 ms of a 1000-byte body
    const body = await slow(
      [
        'POST /v1/workspaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
        ...Array.from({ length: 100 }, () => ' '),
      ],
      100,
    );
    expect(body.ms).toBeLessThan(3000);
    expect(body.data).toMatch(/^HTTP\/1.1 408/);
  });
});
