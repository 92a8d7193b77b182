import type {
  ChannelList,
  ConversationList,
  ConversationView,
  ErrorBody,
  HistoryPage,
  Invite,
  Session,
  Workspace,
} from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, register, startTestServer, type TestServer, uname } from '../test/harness.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

describe('HTTP: bad input gets a documented error', () => {
  it('answers malformed JSON, wrong types, missing auth, oversize bodies and unknown routes', async () => {
    const a = await register(srv.url, uname('bad'));
    const t = a.access_token;
    const cases: [string, string, string | undefined, unknown, number, string][] = [
      ['POST', '/v1/conversations', t, '{nope', 400, 'invalid_request'],
      ['POST', '/v1/conversations', t, { kind: 'group', title: 7 }, 400, 'invalid_request'],
      ['POST', '/v1/conversations', t, { kind: 'spaceship' }, 400, 'invalid_request'],
      [
        'POST',
        '/v1/auth/register',
        undefined,
        { username: 'x', password: 'p' },
        400,
        'invalid_request',
      ],
      ['GET', '/v1/conversations', undefined, undefined, 401, 'unauthenticated'],
      ['GET', '/v1/conversations', 'not-a-jwt', undefined, 401, 'unauthenticated'],
      ['POST', '/v1/workspaces', t, { name: 'x'.repeat(300_000) }, 413, 'payload_too_large'],
      ['GET', '/v1/nothing-here', t, undefined, 404, 'not_found'],
      ['GET', '/v1/conversations/c_missing/events?limit=abc', t, undefined, 400, 'invalid_request'],
      ['GET', '/v1/conversations/c_missing/events', t, undefined, 404, 'not_found'],
    ];
    for (const [method, route, token, body, status, code] of cases) {
      const res = await api<ErrorBody>(srv.url, method, route, token, body);
      expect({ route, status: res.status, code: res.body.code }).toEqual({ route, status, code });
      expect(typeof res.body.message).toBe('string');
    }
    const health = await api(srv.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
  });

  it('refuses a taken username, case- and normalization-insensitively', async () => {
    const name = uname('Dup');
    await register(srv.url, name);
    const res = await api<ErrorBody>(srv.url, 'POST', '/v1/auth/register', undefined, {
      username: `  ${name.toUpperCase()} `,
      password: 'long enough',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('username_taken');
  });
});

describe('HTTP: sessions', () => {
  it('rotates refresh tokens and revokes the family when one is reused', async () => {
    const name = uname('rot');
    await register(srv.url, name);
    const login = await api<Session>(srv.url, 'POST', '/v1/auth/login', undefined, {
      username: name,
      password: 'correct horse',
    });
    expect(login.status).toBe(200);
    const r1 = await api<Session>(srv.url, 'POST', '/v1/auth/refresh', undefined, {
      refresh_token: login.body.refresh_token,
    });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(login.body.refresh_token);
    const reuse = await api<ErrorBody>(srv.url, 'POST', '/v1/auth/refresh', undefined, {
      refresh_token: login.body.refresh_token,
    });
    expect(reuse.body.code).toBe('refresh_token_reused');
    // the newer token of the same family is dead too, and so is the device's access token
    const r2 = await api<ErrorBody>(srv.url, 'POST', '/v1/auth/refresh', undefined, {
      refresh_token: r1.body.refresh_token,
    });
    expect(r2.status).toBe(401);
    const me = await api<ErrorBody>(srv.url, 'GET', '/v1/me', r1.body.access_token);
    expect(me.body.code).toBe('session_revoked');
  });

  it('rejects a wrong password without telling whether the user exists', async () => {
    const name = uname('pw');
    await register(srv.url, name);
    for (const username of [name, uname('ghost')]) {
      const res = await api<ErrorBody>(srv.url, 'POST', '/v1/auth/login', undefined, {
        username,
        password: 'wrong password',
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
    }
  });
});

describe('HTTP: workspaces, invites and channels', () => {
  it('lets invited members join, browse public channels and join them', async () => {
    const owner = await register(srv.url, uname('boss'));
    const joiner = await register(srv.url, uname('new'));
    const outsider = await register(srv.url, uname('out'));
    const ws = await api<Workspace>(srv.url, 'POST', '/v1/workspaces', owner.access_token, {
      name: '팀 Parley',
    });
    expect(ws.status).toBe(201);
    expect(ws.body.name).toBe('팀 Parley');
    const ch = await api<ConversationView>(
      srv.url,
      'POST',
      '/v1/conversations',
      owner.access_token,
      {
        kind: 'channel',
        workspace_id: ws.body.id,
        title: 'general',
      },
    );
    expect(ch.status).toBe(201);
    const priv = await api<ConversationView>(
      srv.url,
      'POST',
      '/v1/conversations',
      owner.access_token,
      {
        kind: 'channel',
        workspace_id: ws.body.id,
        title: 'secret',
        is_public: false,
      },
    );
    // a member cannot create invites; the owner can
    const inv = await api<Invite>(
      srv.url,
      'POST',
      `/v1/workspaces/${ws.body.id}/invites`,
      owner.access_token,
      {
        max_uses: 1,
      },
    );
    expect(inv.status).toBe(201);
    const join = await api<Workspace>(
      srv.url,
      'POST',
      `/v1/invites/${inv.body.code}/join`,
      joiner.access_token,
    );
    expect(join.body).toMatchObject({ id: ws.body.id, role: 'member' });
    const used = await api<ErrorBody>(
      srv.url,
      'POST',
      `/v1/invites/${inv.body.code}/join`,
      outsider.access_token,
    );
    expect(used.body.code).toBe('invalid_invite');
    const memberInvite = await api<ErrorBody>(
      srv.url,
      'POST',
      `/v1/workspaces/${ws.body.id}/invites`,
      joiner.access_token,
      {},
    );
    expect(memberInvite.body.code).toBe('forbidden');
    // channels: the public one is listed, the private one is not
    const list = await api<ChannelList>(
      srv.url,
      'GET',
      `/v1/workspaces/${ws.body.id}/channels`,
      joiner.access_token,
    );
    expect(list.body.channels.map((c) => c.title)).toEqual(['general']);
    const joined = await api<ConversationView>(
      srv.url,
      'POST',
      `/v1/conversations/${ch.body.id}/join`,
      joiner.access_token,
    );
    expect(joined.status).toBe(200);
    const privJoin = await api<ErrorBody>(
      srv.url,
      'POST',
      `/v1/conversations/${priv.body.id}/join`,
      joiner.access_token,
    );
    expect(privJoin.status).toBe(404);
    // outsiders see nothing of the workspace
    const peek = await api<ErrorBody>(
      srv.url,
      'GET',
      `/v1/workspaces/${ws.body.id}/channels`,
      outsider.access_token,
    );
    expect(peek.status).toBe(404);
    const peekCh = await api<ErrorBody>(
      srv.url,
      'POST',
      `/v1/conversations/${ch.body.id}/join`,
      outsider.access_token,
    );
    expect(peekCh.status).toBe(404);
  });

  it('keeps exactly one direct conversation per pair, and counts unread', async () => {
    const a = await register(srv.url, uname('da'));
    const b = await register(srv.url, uname('db'));
    const first = await api<ConversationView>(
      srv.url,
      'POST',
      '/v1/conversations',
      a.access_token,
      {
        kind: 'direct',
        user: b.user.id,
      },
    );
    const second = await api<ConversationView>(
      srv.url,
      'POST',
      '/v1/conversations',
      b.access_token,
      {
        kind: 'direct',
        user: a.user.id,
      },
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const conv = first.body.id;
    for (let i = 0; i < 3; i++) {
      const sent = await api(
        srv.url,
        'POST',
        `/v1/conversations/${conv}/messages`,
        a.access_token,
        {
          cid: `h${i}`,
          text: `message ${i}`,
        },
      );
      expect(sent.status).toBe(201);
    }
    const dup = await api(srv.url, 'POST', `/v1/conversations/${conv}/messages`, a.access_token, {
      cid: 'h0',
      text: 'message 0',
    });
    expect(dup.status).toBe(200);
    let list = await api<ConversationList>(srv.url, 'GET', '/v1/conversations', b.access_token);
    expect(list.body.conversations[0]).toMatchObject({ id: conv, unread: 3 });
    expect(list.body.conversations[0]!.peer?.id).toBe(a.user.id);
    const hist = await api<HistoryPage>(
      srv.url,
      'GET',
      `/v1/conversations/${conv}/events?limit=2`,
      b.access_token,
    );
    expect(hist.body.events).toHaveLength(2);
    expect(hist.body.more).toBe(true);
    const last = hist.body.events.at(-1)!;
    await api(srv.url, 'POST', `/v1/conversations/${conv}/read`, b.access_token, { seq: last.seq });
    list = await api<ConversationList>(srv.url, 'GET', '/v1/conversations', b.access_token);
    expect(list.body.conversations[0]!.unread).toBe(0);
  });
});
