import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, register, startTestServer, type TestServer, uname } from '../test/harness.js';

const HEARTBEAT_MS = 1000;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
});
afterAll(async () => {
  await srv.close();
});

describe('gateway heartbeat', () => {
  it('spreads the pings over the interval instead of pinging every socket at once', async () => {
    const u = await register(srv.url, uname('hb'));
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => RawClient.connect(srv.wsUrl, u.access_token)),
    );
    const firstPing = await Promise.all(
      clients.map(
        (c) => new Promise<number>((resolve) => c.ws.once('ping', () => resolve(Date.now()))),
      ),
    );
    // 20 sockets in 10 slices, one slice per tenth of the interval: the pings span most of it.
    expect(Math.max(...firstPing) - Math.min(...firstPing)).toBeGreaterThan(HEARTBEAT_MS / 2);
    for (const c of clients) c.ws.close();
  });

  it('cuts off a socket that does not answer pings, and keeps one that does', async () => {
    const u = await register(srv.url, uname('hb'));
    const mute = await RawClient.connect(srv.wsUrl, u.access_token, { autoPong: false });
    const live = await RawClient.connect(srv.wsUrl, u.access_token);
    const t0 = Date.now();
    const code = await mute.closed();
    expect(code).toBe(1006); // terminated, no close handshake
    expect(Date.now() - t0).toBeLessThan(3 * HEARTBEAT_MS + 500);
    expect(live.ws.readyState).toBe(live.ws.OPEN);
    live.ws.close();
  });
});
