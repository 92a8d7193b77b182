import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer, tempDir } from '../test/harness.js';

let srv: TestServer;
let d: string;
beforeAll(async () => {
  d = tempDir();
  const key = path.join(d, 'key.pem');
  const cert = path.join(d, 'cert.pem');
  const r = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
  ]);
  if (r.status !== 0) throw new Error(`openssl is needed to make a test certificate: ${r.stderr}`);
  srv = await startTestServer({ tlsCert: cert, tlsKey: key });
});
afterAll(async () => {
  await srv.close();
  rmSync(d, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves HTTP/2 by ALPN', async () => {
    expect(srv.url.startsWith('https://')).toBe(true);
    const client = http2.connect(srv.url, { rejectUnauthorized: false });
    const { status, proto } = await new Promise<{ status: number; proto: string }>(
      (resolve, reject) => {
        const req = client.request({ ':path': '/healthz' });
        req.on('response', (h) =>
          resolve({ status: Number(h[':status']), proto: client.alpnProtocol ?? '' }),
        );
        req.on('error', reject);
        req.end();
      },
    );
    client.close();
    expect(status).toBe(200);
    expect(proto).toBe('h2');
  });

  it('still accepts HTTP/1.1 and WebSocket over TLS', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(`${srv.url}/healthz`, { rejectUnauthorized: false, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
    const ws = new WebSocket(srv.wsUrl, { rejectUnauthorized: false });
    const closeCode = await new Promise<number>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: 'nope' })));
      ws.on('close', (code) => resolve(code));
      ws.on('error', reject);
    });
    expect(closeCode).toBe(4001);
  });
});
