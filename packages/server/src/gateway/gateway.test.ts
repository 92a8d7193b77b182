import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AckFrame, ConversationView, ErrorFrame } from '@parley/protocol';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

let srv: TestServer;
beforeAll(async () => {
  // The slow-consumer test floods on purpose: no frame or message rate limits here (they have
  // their own tests in limits.test.ts).
  srv = await startTestServer({
    sendBufferBytes: 64 * 1024,
    authTimeoutMs: 300,
    limitFramesPerConn: 0,
    limitMsgsPerAccount: 0,
  });
});
afterAll(async () => {
  await srv.close();
});

async function pair() {
  const a = await register(srv.url, uname('a'));
  const b = await register(srv.url, uname('b'));
  const conv = await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
    kind: 'direct',
    user: b.user.id,
  });
  return { a, b, conv: conv.body.id };
}

describe('gateway: happy path', () => {
  it('acks a send once durable, delivers it to the other member, dedups a retried cid', async () => {
    const { a, b, conv } = await pair();
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    const ack = (await ca.request({
      type: 'send',
      conv,
      cid: 'c1',
      text: '안녕 👋🏽 مرحبا',
    })) as AckFrame;
    expect(ack.type).toBe('ack');
    expect(ack.dup).toBe(false);
    const ev = await cb.next('event', (f) => f.ev.kind === 'message');
    expect(ev.ev).toMatchObject({
      kind: 'message',
      text: '안녕 👋🏽 مرحبا',
      seq: ack.seq,
      id: ack.id,
    });
    const again = (await ca.request({
      type: 'send',
      conv,
      cid: 'c1',
      text: '안녕 👋🏽 مرحبا',
    })) as AckFrame;
    expect(again).toMatchObject({ type: 'ack', id: ack.id, seq: ack.seq, dup: true });
    const hist = await api<{ events: { kind: string }[] }>(
      srv.url,
      'GET',
      `/v1/conversations/${conv}/events?after=0`,
      b.access_token,
    );
    expect(hist.body.events.filter((e) => e.kind === 'message')).toHaveLength(1);
    ca.close();
    cb.close();
  });

  it('counts in /metrics where the store committed each batch', async () => {
    const { a, conv } = await pair();
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const batches = async () => {
      const text = await (await fetch(`${srv.url}/metrics`)).text();
      const n = (where: string) =>
        Number(
          new RegExp(`^parley_store_batches_total\\{where="${where}"\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1],
        );
      return n('inline') + n('thread');
    };
    const before = await batches();
    expect(before).toBeGreaterThan(0); // the conversation's creation was committed
    await ca.request({ type: 'send', conv, cid: 'm1', text: 'one' });
    expect(await batches()).toBeGreaterThanOrEqual(before + 1);
    ca.close();
  });

  it('keeps the order of sends pipelined on one socket', async () => {
    const { a, conv } = await pair();
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const acks: AckFrame[] = [];
    ca.ws.on('message', (d: Buffer) => {
      const f = JSON.parse(d.toString()) as AckFrame;
      if (f.type === 'ack') acks.push(f);
    });
    for (let i = 0; i < 300; i++) ca.send({ type: 'send', conv, cid: `p${i}`, text: `n${i}` });
    for (let t = 0; acks.length < 300 && t < 500; t++) await new Promise((r) => setTimeout(r, 10));
    expect(acks.map((f) => f.cid)).toEqual(Array.from({ length: 300 }, (_, i) => `p${i}`));
    const seqs = acks.map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    ca.close();
  });

  it('delivers typing to other members only, and read markers to every device', async () => {
    const { a, b, conv } = await pair();
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    ca.send({ type: 'typing', conv, on: true });
    const t = await cb.next('typing');
    expect(t).toMatchObject({ conv, user: a.user.id, on: true });
    const ack = (await ca.request({ type: 'send', conv, cid: 'x', text: 'hi' })) as AckFrame;
    const ok = await cb.request({ type: 'read', conv, seq: ack.seq });
    expect(ok.type).toBe('ok');
    const readEv = await ca.next('event', (f) => f.ev.kind === 'read');
    expect(readEv.ev).toMatchObject({ sender: b.user.id, read_seq: ack.seq });
    expect(ca.frames.some((f) => f.type === 'typing')).toBe(false);
    ca.close();
    cb.close();
  });
});

describe('gateway: bad input', () => {
  it('answers each bad frame with its documented error and keeps serving', async () => {
    const { a, conv } = await pair();
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    c.sendRaw('{not json');
    expect((await c.next('error')).code).toBe('malformed_frame');
    c.send({ type: 'teleport', rid: 1 });
    expect(await c.next('error')).toMatchObject({ code: 'unknown_type', rid: 1 });
    c.send({ type: 'send', rid: 2, conv: 42, cid: [], text: null });
    expect(await c.next('error')).toMatchObject({ code: 'invalid_frame', rid: 2 });
    c.send({ type: 'send', rid: 3, conv, cid: 'big', text: '가'.repeat(4001) });
    expect(await c.next('error')).toMatchObject({ code: 'message_too_large', rid: 3 });
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await c.next('error')).code).toBe('binary_not_supported');
    c.send({ type: 'send', rid: 4, conv: 'c_nope', cid: 'n', text: 'x' });
    expect(await c.next('error')).toMatchObject({ code: 'not_found', rid: 4 });
    // still serving
    const ack = await c.request({ type: 'send', conv, cid: 'ok', text: 'fine' });
    expect(ack.type).toBe('ack');
    c.close();
  });

  it('closes with 1009 on an oversize frame', async () => {
    const { a } = await pair();
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    c.sendRaw(`{"type":"ping","pad":"${'x'.repeat(70_000)}"}`);
    expect(await c.closed()).toBe(1009);
  });

  it('closes with 4001 when the first frame is not auth, and on a bad token', async () => {
    const c = await RawClient.open(srv.wsUrl);
    c.send({ type: 'send', conv: 'c', cid: 'x', text: 'x' });
    expect((await c.next('error')).code).toBe('auth_required');
    expect(await c.closed()).toBe(4001);
    const d = await RawClient.open(srv.wsUrl);
    d.send({ type: 'auth', token: 'garbage' });
    expect((await d.next('error')).code).toBe('unauthenticated');
    expect(await d.closed()).toBe(4001);
  });

  it('closes with 4002 on an expired token', async () => {
    const a = await register(srv.url, uname('exp'));
    const jwk = JSON.parse(
      readFileSync(path.join(srv.dataDir, 'keys', 'jwt-ed25519.json'), 'utf8'),
    ) as JWK;
    const key = await importJWK(jwk, 'EdDSA');
    const expired = await new SignJWT({ did: a.device_id })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject(a.user.id)
      .setIssuer('parley')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    const c = await RawClient.open(srv.wsUrl);
    c.send({ type: 'auth', token: expired });
    expect((await c.next('error')).code).toBe('token_expired');
    expect(await c.closed()).toBe(4002);
  });

  it('closes an unauthenticated socket after the auth deadline with 4003', async () => {
    const c = await RawClient.open(srv.wsUrl);
    expect(await c.closed()).toBe(4003);
  });

  it('closes a logged-out device with 4103 within a second', async () => {
    const a = await register(srv.url, uname('out'));
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    const t0 = Date.now();
    const res = await api(srv.url, 'POST', '/v1/auth/logout', a.access_token);
    expect(res.status).toBe(204);
    expect(await c.closed(1000)).toBe(4103);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('gateway: authorization', () => {
  it('keeps non-members out of reading, sending, reacting, editing and typing', async () => {
    const { a, b, conv } = await pair();
    const eve = await register(srv.url, uname('eve'));
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    const ce = await RawClient.connect(srv.wsUrl, eve.access_token);
    const ack = (await ca.request({ type: 'send', conv, cid: 'm', text: 'secret' })) as AckFrame;
    for (const frame of [
      { type: 'send', conv, cid: 'e1', text: 'let me in' },
      { type: 'react', conv, id: ack.id, emoji: '👍', on: true },
      { type: 'edit', conv, id: ack.id, text: 'pwned' },
      { type: 'delete', conv, id: ack.id },
      { type: 'read', conv, seq: 1 },
      { type: 'typing', conv, on: true, rid: 'typing' },
    ]) {
      const ans = (await ce.request(frame)) as ErrorFrame;
      expect(ans, JSON.stringify(frame)).toMatchObject({ type: 'error', code: 'not_found' });
    }
    const hist = await api(srv.url, 'GET', `/v1/conversations/${conv}/events`, eve.access_token);
    expect(hist.status).toBe(404);
    // a member's typing never reaches the outsider
    cb.send({ type: 'typing', conv, on: true });
    await ca.next('typing');
    expect(ce.frames.some((f) => f.type === 'typing' || f.type === 'event')).toBe(false);
    for (const c of [ca, cb, ce]) c.close();
  });

  it('lets only the sender edit, and the sender or an admin delete', async () => {
    const owner = await register(srv.url, uname('own'));
    const m1 = await register(srv.url, uname('m1'));
    const m2 = await register(srv.url, uname('m2'));
    const g = await api<ConversationView>(
      srv.url,
      'POST',
      '/v1/conversations',
      owner.access_token,
      {
        kind: 'group',
        title: 'g',
        members: [m1.user.id, m2.user.id],
      },
    );
    const conv = g.body.id;
    const c1 = await RawClient.connect(srv.wsUrl, m1.access_token);
    const c2 = await RawClient.connect(srv.wsUrl, m2.access_token);
    const co = await RawClient.connect(srv.wsUrl, owner.access_token);
    const ack = (await c1.request({ type: 'send', conv, cid: 'm', text: 'mine' })) as AckFrame;
    expect(await c2.request({ type: 'edit', conv, id: ack.id, text: 'x' })).toMatchObject({
      code: 'forbidden',
    });
    expect(await c2.request({ type: 'delete', conv, id: ack.id })).toMatchObject({
      code: 'forbidden',
    });
    expect(await co.request({ type: 'edit', conv, id: ack.id, text: 'x' })).toMatchObject({
      code: 'forbidden',
    });
    expect(await c1.request({ type: 'edit', conv, id: ack.id, text: 'edited' })).toMatchObject({
      type: 'ok',
    });
    expect(await co.request({ type: 'delete', conv, id: ack.id })).toMatchObject({ type: 'ok' });
    const del = await c2.next('event', (f) => f.ev.kind === 'delete');
    expect(del.ev).toMatchObject({ target: ack.id, sender: owner.user.id });
    for (const c of [c1, c2, co]) c.close();
  });
});

describe('gateway: flow control and shutdown', () => {
  it('disconnects a client too slow to read with 4008', { timeout: 60_000 }, async () => {
    const { a, b, conv } = await pair();
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    // biome-ignore lint/suspicious/noExplicitAny: reach the client's TCP socket to stop reading
    (cb.ws as any)._socket.pause();
    const text = 'z'.repeat(3900);
    // Kernel socket buffers on loopback absorb megabytes before the server's buffer grows.
    const before = srv.parley.metrics.slowConsumers.get();
    for (let i = 0; i < 100 && srv.parley.metrics.slowConsumers.get() === before; i++) {
      for (let j = 0; j < 99; j++) ca.send({ type: 'send', conv, cid: `f${i}.${j}`, text });
      await ca.request({ type: 'send', conv, cid: `f${i}`, text });
      ca.frames.length = 0;
    }
    // biome-ignore lint/suspicious/noExplicitAny: resume so the close frame can be read
    (cb.ws as any)._socket.resume();
    expect(srv.parley.metrics.slowConsumers.get()).toBe(before + 1);
    expect(await cb.closed(20_000)).toBe(4008);
    ca.close();
  });
});
