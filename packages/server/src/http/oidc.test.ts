import type { Session, User } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ParleyClient } from '../../../sdk/src/client.js';
import {
  api,
  freePort,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';
import {
  Browser,
  startProvider,
  type TestAccount,
  type TestProvider,
} from '../test/oidc-provider.js';

let srv: TestServer;
let idp: TestProvider;
let adminToken: string;
const ADMIN = uname('oidcadmin');

beforeAll(async () => {
  const port = await freePort();
  const redirect = `http://127.0.0.1:${port}/v1/auth/oidc/callback`;
  idp = await startProvider(redirect);
  srv = await startTestServer({
    port,
    oidcIssuer: idp.issuer,
    oidcClientId: idp.clientId,
    oidcClientSecret: idp.clientSecret,
    oidcAllowHttp: true,
    admins: ADMIN,
  });
  adminToken = (await register(srv.url, ADMIN)).access_token;
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

/** Runs the browser part of a sign-in up to (not including) the request to our callback. */
async function toCallback(b: Browser, account: TestAccount): Promise<string> {
  idp.signInAs(account);
  const start = await b.fetch(`${srv.url}/v1/auth/oidc/start?return_to=/app&device_name=phone`);
  expect(start.status).toBe(302);
  expect(b.cookies(srv.url).get('parley_oidc')).toBeTruthy();
  return b.follow(start.headers.get('location')!, `${srv.url}/v1/auth/oidc/callback`);
}

/** A whole sign-in: returns the Parley session. */
async function signIn(account: TestAccount, b = new Browser()): Promise<Session> {
  const cb = await toCallback(b, account);
  const res = await b.fetch(cb);
  expect(res.status, await res.clone().text()).toBe(302);
  const loc = new URL(res.headers.get('location')!, srv.url);
  expect(loc.pathname).toBe('/app');
  const code = new URLSearchParams(loc.hash.slice(1)).get('oidc_code')!;
  const ex = await api<Session>(srv.url, 'POST', '/v1/auth/oidc/exchange', undefined, { code });
  expect(ex.status).toBe(200);
  const again = await api<{ code: string }>(srv.url, 'POST', '/v1/auth/oidc/exchange', undefined, {
    code,
  });
  expect(again).toMatchObject({ status: 400, body: { code: 'oidc_state_invalid' } });
  return ex.body;
}

describe('OIDC sign-in (authorization code + PKCE) against a real provider', () => {
  it('is offered to clients, and the SDK trades the returned code for a session', async () => {
    const client = new ParleyClient({ baseUrl: srv.url, WebSocket: WebSocket as never });
    expect(await client.authProviders()).toEqual({ password: true, oidc: true });
    const b = new Browser();
    const res = await b.fetch(await toCallback(b, { sub: uname('sdk'), name: 'Via SDK' }));
    const back = new URL(res.headers.get('location')!, srv.url);
    const code = new URLSearchParams(back.hash.slice(1)).get('oidc_code')!;
    const s = await client.signInWithOidc(code);
    expect(s.user.display_name).toBe('Via SDK');
    expect(client.user?.id).toBe(s.user.id);
    await expect(client.signInWithOidc(code)).rejects.toMatchObject({ code: 'oidc_state_invalid' });
  });

  it('creates an account on first sign-in and returns to it by subject', async () => {
    const sub = uname('sub');
    const s1 = await signIn({
      sub,
      email: `${sub}@example.com`,
      email_verified: true,
      name: 'Ada <b>L</b>',
    });
    const me = await api<User>(srv.url, 'GET', '/v1/me', s1.access_token);
    expect(me.status).toBe(200);
    expect(me.body.display_name).toBe('Ada <b>L</b>');
    const s2 = await signIn({ sub, name: 'renamed' });
    expect(s2.user.id).toBe(s1.user.id);
    expect(s2.device_id).not.toBe(s1.device_id);
  });

  it('links another subject by verified email only', async () => {
    const email = `${uname('mail')}@example.com`;
    const first = await signIn({ sub: uname('s'), email, email_verified: true });
    const linked = await signIn({ sub: uname('s'), email, email_verified: true });
    expect(linked.user.id).toBe(first.user.id);
    const unverified = await signIn({ sub: uname('s'), email, email_verified: false });
    expect(unverified.user.id).not.toBe(first.user.id);
  });

  it('refuses a tampered state, a callback from another browser and a replayed callback', async () => {
    const b = new Browser();
    const cb = await toCallback(b, { sub: uname('t') });
    const tampered = new URL(cb);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const r1 = await b.fetch(tampered.href);
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { code: string }).code).toBe('oidc_state_invalid');
    // login CSRF: the right URL in a browser that did not start the sign-in
    const r2 = await new Browser().fetch(cb);
    expect(r2.status).toBe(400);
    // the genuine one works once
    expect((await b.fetch(cb)).status).toBe(302);
    const replay = await b.fetch(cb);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { code: string }).code).toBe('oidc_state_invalid');
  });

  it('refuses a replayed authorization code under a fresh state', async () => {
    const b = new Browser();
    const cb = await toCallback(b, { sub: uname('r') });
    expect((await b.fetch(cb)).status).toBe(302);
    const code = new URL(cb).searchParams.get('code')!;
    // start again in the same browser: a new state (and cookie), then present the old code
    const start = await b.fetch(`${srv.url}/v1/auth/oidc/start`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const forged = new URL(cb);
    forged.searchParams.set('state', state);
    forged.searchParams.set('code', code);
    const res = await b.fetch(forged.href);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('oidc_failed');
  });

  it('reports a provider error and a disabled account', async () => {
    const b = new Browser();
    await b.fetch(`${srv.url}/v1/auth/oidc/start`);
    const err = await b.fetch(`${srv.url}/v1/auth/oidc/callback?error=access_denied&state=x`);
    expect(err.status).toBe(401);
    const sub = uname('dis');
    const s = await signIn({ sub });
    const off = await api(srv.url, 'POST', `/v1/admin/users/${s.user.id}/disable`, adminToken);
    expect(off.status).toBe(204);
    const b2 = new Browser();
    const res = await b2.fetch(await toCallback(b2, { sub }));
    expect(res.status).toBe(403);
  });

  it('keeps the return path on this site', async () => {
    const b = new Browser();
    idp.signInAs({ sub: uname('o') });
    const start = await b.fetch(`${srv.url}/v1/auth/oidc/start?return_to=//evil.example/x`);
    const cb = await b.follow(start.headers.get('location')!, `${srv.url}/v1/auth/oidc/callback`);
    const res = await b.fetch(cb);
    expect(res.headers.get('location')).toMatch(/^\/#oidc_code=/);
  });
});

describe('OIDC not configured', () => {
  it('answers 404 on every OIDC route', async () => {
    const plain = await startTestServer();
    try {
      expect((await api(plain.url, 'GET', '/v1/auth/providers')).body).toEqual({
        password: true,
        oidc: false,
      });
      expect((await api(plain.url, 'GET', '/v1/auth/oidc/start')).status).toBe(404);
      expect((await api(plain.url, 'GET', '/v1/auth/oidc/callback?code=x&state=y')).status).toBe(
        404,
      );
      expect(
        (await api(plain.url, 'POST', '/v1/auth/oidc/exchange', undefined, { code: 'x' })).status,
      ).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
