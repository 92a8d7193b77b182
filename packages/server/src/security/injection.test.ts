/**
 * Stored and reflected injection: HTML, script, control characters, bidi overrides and long
 * strings in message bodies, display names, workspace and channel names are stored verbatim and
 * returned verbatim over HTTP and WebSocket; over-limit ones get the documented error.
 */
import type { AckFrame, ConversationView, EventFrame, User, Workspace } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

const NASTY = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(document.cookie)>',
  "'; DROP TABLE users; --",
  '\u202eevil\u202c txt.exe',
  '\u2066isolate\u2069 \u200f\u200e',
  'bell\u0007 esc\u001b[31m tab\t cr\r lf\n del\u007f',
  '{{constructor.constructor("alert(1)")()}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection sample, on purpose
  '${process.exit(1)}',
  '__proto__',
  'Z\u0351\u0345\u035b\u0339a\u0308\u0301lgo',
  '\ud83d\ude00 \u0000-free but \u00a0nbsp',
];
/** Names are trimmed (documented): keep the samples free of leading/trailing whitespace. */
const NAMES = NASTY.map((n) => n.trim()).filter((n) => [...n].length <= 80);

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ limitHttpWritePerMin: 0, limitHttpReadPerMin: 0 });
});
afterAll(async () => {
  await srv.close();
});

describe('injection: stored and returned verbatim', () => {
  it('message bodies over HTTP and WebSocket, up to the 4,000 code point limit', async () => {
    const a = await register(srv.url, uname('inj'));
    const b = await register(srv.url, uname('inj'));
    const conv = (
      await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'direct',
        user: b.user.id,
      })
    ).body.id;
    const long = '<b>가</b>\u202e😀'.repeat(400); // 4,000 code points, about 10 KB of UTF-8
    expect([...long].length).toBe(4000);
    const texts = [...NASTY, long];
    const ca = await RawClient.connect(srv.wsUrl, a.access_token);
    const cb = await RawClient.connect(srv.wsUrl, b.access_token);
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      if (i % 2) {
        const ack = (await ca.request({ type: 'send', conv, cid: `w${i}`, text })) as AckFrame;
        expect(ack.type).toBe('ack');
        ids.push(ack.id);
      } else {
        const res = await api<{ message: { id: string; text: string } }>(
          srv.url,
          'POST',
          `/v1/conversations/${conv}/messages`,
          a.access_token,
          { cid: `h${i}`, text },
        );
        expect(res.status).toBe(201);
        expect(res.body.message.text).toBe(text);
        ids.push(res.body.message.id);
      }
      const ev = (await cb.next(
        'event',
        (f) => f.ev.kind === 'message' && f.ev.id === ids[i],
      )) as EventFrame;
      expect(ev.ev).toMatchObject({ text });
    }
    const hist = await api<{ events: { kind: string; id?: string; text?: string }[] }>(
      srv.url,
      'GET',
      `/v1/conversations/${conv}/events?limit=500`,
      b.access_token,
    );
    const stored = hist.body.events.filter((e) => e.kind === 'message').map((e) => e.text);
    expect(stored).toEqual(texts);
    // the HTTP answer is JSON, never HTML
    const raw = await fetch(`${srv.url}/v1/conversations/${conv}/events`, {
      headers: { authorization: `Bearer ${b.access_token}` },
    });
    expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
    // one code point over: the documented error, nothing stored
    const over = await api<{ code: string }>(
      srv.url,
      'POST',
      `/v1/conversations/${conv}/messages`,
      a.access_token,
      {
        cid: 'over',
        text: `${long}x`,
      },
    );
    expect(over).toMatchObject({ status: 413, body: { code: 'message_too_large' } });
    const wsOver = await ca.request({ type: 'send', conv, cid: 'over2', text: `${long}x` });
    expect(wsOver).toMatchObject({ type: 'error', code: 'message_too_large' });
    ca.close();
    cb.close();
  });

  it('display names, workspace names and channel titles', async () => {
    const a = await register(srv.url, uname('nm'));
    for (const name of NAMES) {
      const me = await api<User>(srv.url, 'PATCH', '/v1/me', a.access_token, {
        display_name: name,
      });
      expect(me.status).toBe(200);
      expect(me.body.display_name).toBe(name);
      expect(
        (await api<User>(srv.url, 'GET', `/v1/users/${a.user.id}`, a.access_token)).body
          .display_name,
      ).toBe(name);
      const ws = await api<Workspace>(srv.url, 'POST', '/v1/workspaces', a.access_token, { name });
      expect(ws.status).toBe(201);
      expect(
        (await api<Workspace>(srv.url, 'GET', `/v1/workspaces/${ws.body.id}`, a.access_token)).body
          .name,
      ).toBe(name);
      const ch = await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'channel',
        workspace_id: ws.body.id,
        title: name,
      });
      expect(ch.status).toBe(201);
      const got = await api<{ title: string }>(
        srv.url,
        'GET',
        `/v1/conversations/${ch.body.id}`,
        a.access_token,
      );
      expect(got.body.title).toBe(name);
    }
    const c = await RawClient.connect(srv.wsUrl, a.access_token);
    const sync = await c.request({ type: 'sync', token: null });
    expect(sync.type).toBe('sync');
    c.close();
    // over the 80 code point limit: the documented error
    const long = '<'.repeat(81);
    expect(
      (await api(srv.url, 'PATCH', '/v1/me', a.access_token, { display_name: long })).status,
    ).toBe(400);
    expect(
      (await api(srv.url, 'POST', '/v1/workspaces', a.access_token, { name: long })).status,
    ).toBe(400);
    const ok80 = '\u202e'.repeat(80);
    expect(
      (await api<User>(srv.url, 'PATCH', '/v1/me', a.access_token, { display_name: ok80 })).body
        .display_name,
    ).toBe(ok80);
  });
});
