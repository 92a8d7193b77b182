/**
 * The authorization matrix: every HTTP route (read from the server's own route table) and every
 * WebSocket command, run as anonymous, a non-member, a member, an admin of another workspace
 * and the owner, against the documented outcome. A route or command without a row fails.
 */
import {
  CLIENT_FRAME_TYPES,
  type ConversationView,
  type Invite,
  type ServerFrame,
  type Session,
  type Workspace,
} from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

const ROLES = ['anon', 'outsider', 'otherAdmin', 'member', 'owner'] as const;
type Role = (typeof ROLES)[number];
type Outcomes = Record<Role, number | string>;

let srv: TestServer;
const users = {} as Record<Exclude<Role, 'anon'> | 'target' | 'login', Session>;
const PASSWORD = 'correct horse';

beforeAll(async () => {
  srv = await startTestServer({
    webDir: '/nonexistent',
    limitHttpAuthPerMin: 0,
    limitHttpReadPerMin: 0,
    limitHttpWritePerMin: 0,
    limitRegisterPerIpPerHour: 0,
    limitLoginPerIpPerMin: 0,
    limitConnRatePerIp: 0,
  });
  for (const k of ['outsider', 'otherAdmin', 'member', 'owner', 'target', 'login'] as const) {
    users[k] = await register(srv.url, uname(k.toLowerCase()));
  }
  await api(srv.url, 'POST', '/v1/workspaces', users.otherAdmin.access_token, { name: 'other' });
});
afterAll(async () => {
  await srv.close();
});

/** A fresh workspace W (owner; member and target joined by invite), public channel C in W
 * (owner created; member joined), message M in C by the owner. */
interface Fixture {
  ws: string;
  conv: string;
  msg: string;
  invite: string;
}

async function fixture(): Promise<Fixture> {
  const o = users.owner.access_token;
  const ws = (await api<Workspace>(srv.url, 'POST', '/v1/workspaces', o, { name: 'W' })).body.id;
  const inv = (await api<Invite>(srv.url, 'POST', `/v1/workspaces/${ws}/invites`, o, {})).body;
  for (const u of [users.member, users.target]) {
    await api(srv.url, 'POST', `/v1/invites/${inv.code}/join`, u.access_token);
  }
  const conv = (
    await api<ConversationView>(srv.url, 'POST', '/v1/conversations', o, {
      kind: 'channel',
      workspace_id: ws,
      title: 'C',
    })
  ).body.id;
  await api(srv.url, 'POST', `/v1/conversations/${conv}/join`, users.member.access_token);
  const sent = await api<{ message: { id: string } }>(
    srv.url,
    'POST',
    `/v1/conversations/${conv}/messages`,
    o,
    { cid: uname('m'), text: 'hello' },
  );
  const invite = (await api<Invite>(srv.url, 'POST', `/v1/workspaces/${ws}/invites`, o, {})).body;
  return { ws, conv, msg: sent.body.message.id, invite: invite.code };
}

interface Row {
  /** Expected HTTP status per role (documented in docs/protocol.md and docs/security.md). */
  expect: Outcomes;
  path: (f: Fixture) => string;
  body?: (f: Fixture, role: Role) => unknown;
  /** Set up before each role's request (on the row's fixture). */
  before?: (f: Fixture) => Promise<void>;
  /** The route signs the caller out: use a fresh session per role. */
  fresh?: boolean;
}

const all = (status: number): Outcomes => ({
  anon: status,
  outsider: status,
  otherAdmin: status,
  member: status,
  owner: status,
});
const authed = (status: number): Outcomes => ({ ...all(status), anon: 401 });
/** Only members of W/C may see it; outsiders and other admins see nothing (404). */
const members = (status: number): Outcomes => ({
  anon: 401,
  outsider: 404,
  otherAdmin: 404,
  member: status,
  owner: status,
});
/** Members get 403, the owner succeeds. */
const managers = (status: number): Outcomes => ({ ...members(status), member: 403 });

const HTTP: Record<string, Row> = {
  'POST /v1/auth/register': {
    expect: all(201),
    path: () => '/v1/auth/register',
    body: () => ({ username: uname('reg'), password: PASSWORD }),
  },
  'POST /v1/auth/login': {
    expect: all(200),
    path: () => '/v1/auth/login',
    body: () => ({ username: users.login.user.username, password: PASSWORD }),
  },
  'POST /v1/auth/refresh': {
    expect: authed(200),
    fresh: true,
    path: () => '/v1/auth/refresh',
    body: (_f, role) => ({ refresh_token: role === 'anon' ? 'not-a-token' : '$refresh' }),
  },
  'POST /v1/auth/logout': { expect: authed(204), fresh: true, path: () => '/v1/auth/logout' },
  'POST /v1/auth/logout-all': {
    expect: authed(204),
    fresh: true,
    path: () => '/v1/auth/logout-all',
  },
  'GET /v1/auth/providers': { expect: all(200), path: () => '/v1/auth/providers' },
  'GET /v1/auth/oidc/start': { expect: all(404), path: () => '/v1/auth/oidc/start' },
  'GET /v1/auth/oidc/callback': {
    expect: all(404),
    path: () => '/v1/auth/oidc/callback?code=x&state=y',
  },
  'POST /v1/auth/oidc/exchange': {
    expect: all(404),
    path: () => '/v1/auth/oidc/exchange',
    body: () => ({ code: 'x' }),
  },
  'GET /v1/me': { expect: authed(200), path: () => '/v1/me' },
  'PATCH /v1/me': {
    expect: authed(200),
    path: () => '/v1/me',
    body: () => ({ display_name: 'Me' }),
  },
  'GET /v1/users': { expect: authed(200), path: () => '/v1/users?q=a' },
  'GET /v1/users/:id': { expect: authed(200), path: () => `/v1/users/${users.target.user.id}` },
  'GET /v1/presence': {
    expect: authed(200),
    path: () => `/v1/presence?users=${users.target.user.id}`,
  },
  'POST /v1/workspaces': {
    expect: authed(201),
    path: () => '/v1/workspaces',
    body: () => ({ name: 'new' }),
  },
  'GET /v1/workspaces': { expect: authed(200), path: () => '/v1/workspaces' },
  'GET /v1/workspaces/:id': { expect: members(200), path: (f) => `/v1/workspaces/${f.ws}` },
  'GET /v1/workspaces/:id/members': {
    expect: members(200),
    path: (f) => `/v1/workspaces/${f.ws}/members`,
  },
  'PATCH /v1/workspaces/:id/members/:user': {
    expect: managers(204),
    path: (f) => `/v1/workspaces/${f.ws}/members/${users.target.user.id}`,
    body: () => ({ role: 'admin' }),
  },
  'DELETE /v1/workspaces/:id/members/:user': {
    expect: managers(204),
    path: (f) => `/v1/workspaces/${f.ws}/members/${users.target.user.id}`,
  },
  'POST /v1/workspaces/:id/invites': {
    expect: managers(201),
    path: (f) => `/v1/workspaces/${f.ws}/invites`,
    body: () => ({}),
  },
  // an invite code is a capability: whoever holds it may join
  'POST /v1/invites/:code/join': {
    expect: authed(200),
    path: (f) => `/v1/invites/${f.invite}/join`,
  },
  'GET /v1/workspaces/:id/channels': {
    expect: members(200),
    path: (f) => `/v1/workspaces/${f.ws}/channels`,
  },
  'POST /v1/conversations': {
    expect: authed(201),
    path: () => '/v1/conversations',
    body: () => ({ kind: 'group', title: 'g', members: [] }),
  },
  'GET /v1/conversations': { expect: authed(200), path: () => '/v1/conversations' },
  'GET /v1/conversations/:id': { expect: members(200), path: (f) => `/v1/conversations/${f.conv}` },
  'GET /v1/conversations/:id/members': {
    expect: members(200),
    path: (f) => `/v1/conversations/${f.conv}/members`,
  },
  'POST /v1/conversations/:id/join': {
    expect: members(200),
    path: (f) => `/v1/conversations/${f.conv}/join`,
  },
  'POST /v1/conversations/:id/members': {
    expect: managers(204),
    path: (f) => `/v1/conversations/${f.conv}/members`,
    body: () => ({ user: users.target.user.id }),
  },
  'DELETE /v1/conversations/:id/members/:user': {
    expect: managers(204),
    before: async (f) => {
      await api(srv.url, 'POST', `/v1/conversations/${f.conv}/join`, users.target.access_token);
    },
    path: (f) => `/v1/conversations/${f.conv}/members/${users.target.user.id}`,
  },
  'GET /v1/conversations/:id/events': {
    expect: members(200),
    path: (f) => `/v1/conversations/${f.conv}/events`,
  },
  'POST /v1/conversations/:id/messages': {
    expect: members(201),
    path: (f) => `/v1/conversations/${f.conv}/messages`,
    body: () => ({ cid: uname('c'), text: 'hi' }),
  },
  'POST /v1/conversations/:id/read': {
    expect: members(204),
    path: (f) => `/v1/conversations/${f.conv}/read`,
    body: () => ({ seq: 1 }),
  },
  'PUT /v1/conversations/:id/mute': {
    expect: members(204),
    path: (f) => `/v1/conversations/${f.conv}/mute`,
    body: () => ({ muted: true }),
  },
  // instance administration: none of these roles is an instance admin (PARLEY_ADMINS)
  'POST /v1/admin/users/:id/disable': {
    expect: authed(403),
    path: () => `/v1/admin/users/${users.target.user.id}/disable`,
  },
  'POST /v1/admin/users/:id/enable': {
    expect: authed(403),
    path: () => `/v1/admin/users/${users.target.user.id}/enable`,
  },
  'GET /healthz': { expect: all(200), path: () => '/healthz' },
  'GET /readyz': { expect: all(200), path: () => '/readyz' },
  'GET /metrics': { expect: all(200), path: () => '/metrics' },
  'GET /': { expect: all(200), path: () => '/' },
};

async function freshSession(role: Exclude<Role, 'anon'>): Promise<Session> {
  const res = await api<Session>(srv.url, 'POST', '/v1/auth/login', undefined, {
    username: users[role].user.username,
    password: PASSWORD,
  });
  return res.body;
}

describe('authorization matrix: HTTP', () => {
  it('has a row for every route the server registers', () => {
    const routes = srv.parley.routes.filter((r) => !r.startsWith('HEAD '));
    const missing = routes.filter((r) => !(r in HTTP));
    expect(missing, 'routes without a row in the matrix').toEqual([]);
    const stale = Object.keys(HTTP).filter((r) => !routes.includes(r));
    expect(stale, 'rows for routes that do not exist').toEqual([]);
    // every HEAD route mirrors a GET route
    for (const r of srv.parley.routes.filter((x) => x.startsWith('HEAD '))) {
      expect(routes).toContain(`GET ${r.slice(5)}`);
    }
  });

  for (const [route, row] of Object.entries(HTTP)) {
    it(route, async () => {
      const [method = ''] = route.split(' ');
      const f = await fixture();
      const got = {} as Outcomes;
      for (const role of ROLES) {
        await row.before?.(f);
        let session: Session | undefined;
        if (role !== 'anon') session = row.fresh ? await freshSession(role) : users[role];
        let body = row.body?.(f, role);
        if (body && typeof body === 'object' && 'refresh_token' in body && session) {
          body = { refresh_token: session.refresh_token };
        }
        const res = await api(srv.url, method, row.path(f), session?.access_token, body);
        got[role] = res.status;
        if (method === 'GET' && role === 'anon') {
          const head = await fetch(`${srv.url}${row.path(f)}`, { method: 'HEAD' });
          expect(head.status, `HEAD ${route}`).toBe(res.status);
        }
      }
      expect(got).toEqual(row.expect);
      if (route === 'POST /v1/auth/logout-all') {
        for (const r of ['outsider', 'otherAdmin', 'member', 'owner'] as const) {
          users[r] = await freshSession(r);
        }
      }
    });
  }
});

// --- WebSocket commands -------------------------------------------------------------------------

/** What a command gets: an answer frame type, an error code, a close code (`close:<n>`), or
 * `silent` (no answer: a later ping is answered first). */
type WsOutcome = string;
interface WsRow {
  expect: Record<Role, WsOutcome>;
  frame: (f: Fixture, role: Role) => Record<string, unknown>;
}
const wsMembers = (ok: string): Record<Role, WsOutcome> => ({
  anon: 'close:4001',
  outsider: 'not_found',
  otherAdmin: 'not_found',
  member: ok,
  owner: ok,
});
const wsAuthed = (ok: string): Record<Role, WsOutcome> => ({
  anon: 'close:4001',
  outsider: ok,
  otherAdmin: ok,
  member: ok,
  owner: ok,
});

const WS: Record<string, WsRow> = {
  auth: {
    expect: wsAuthed('ready'),
    frame: (_f, role) => ({
      type: 'auth',
      token: role === 'anon' ? 'garbage' : users[role].access_token,
    }),
  },
  ping: { expect: wsAuthed('pong'), frame: () => ({ type: 'ping' }) },
  send: {
    expect: wsMembers('ack'),
    frame: (f) => ({ type: 'send', conv: f.conv, cid: uname('w'), text: 'hi' }),
  },
  edit: {
    expect: { ...wsMembers('ok'), member: 'forbidden' },
    frame: (f) => ({ type: 'edit', conv: f.conv, id: f.msg, text: 'edited' }),
  },
  delete: {
    expect: { ...wsMembers('ok'), member: 'forbidden' },
    frame: (f) => ({ type: 'delete', conv: f.conv, id: f.msg }),
  },
  react: {
    expect: wsMembers('ok'),
    frame: (f) => ({ type: 'react', conv: f.conv, id: f.msg, emoji: '👍', on: true }),
  },
  read: { expect: wsMembers('ok'), frame: (f) => ({ type: 'read', conv: f.conv, seq: 1 }) },
  typing: {
    expect: wsMembers('silent'),
    frame: (f) => ({ type: 'typing', conv: f.conv, on: true }),
  },
  presence: { expect: wsAuthed('silent'), frame: () => ({ type: 'presence', status: 'away' }) },
  sync: { expect: wsAuthed('sync'), frame: () => ({ type: 'sync', token: null }) },
};

async function runWs(role: Role, frame: Record<string, unknown>): Promise<WsOutcome> {
  const c =
    role === 'anon' || frame.type === 'auth'
      ? await RawClient.open(srv.wsUrl)
      : await RawClient.connect(srv.wsUrl, users[role].access_token);
  try {
    const rid = uname('rid');
    c.send({ ...frame, rid });
    // The answer with this rid, a close, or nothing within 500 ms ("silent").
    const answer = await Promise.race([
      new Promise<ServerFrame | 'silent'>((resolve) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          const f = c.frames.find((x) => 'rid' in x && x.rid === rid);
          if (f || Date.now() - t0 > 500) {
            clearInterval(poll);
            resolve(f ?? 'silent');
          }
        }, 5);
      }),
      c.closed(3000).then((code) => `close:${code}`),
    ]);
    if (typeof answer === 'string') {
      return answer === 'silent' && c.closeCode !== undefined ? `close:${c.closeCode}` : answer;
    }
    if (answer.type === 'error') {
      // an error that closes: report the close
      const code = await c.closed(300).catch(() => undefined);
      return code !== undefined && code !== 1005 ? `close:${code}` : answer.code;
    }
    return answer.type;
  } finally {
    c.close();
  }
}

describe('authorization matrix: WebSocket commands', () => {
  it('has a row for every client frame type', () => {
    expect(Object.keys(WS).sort()).toEqual([...CLIENT_FRAME_TYPES].sort());
  });

  for (const [type, row] of Object.entries(WS)) {
    it(type, async () => {
      const f = await fixture();
      const got = {} as Record<Role, WsOutcome>;
      for (const role of ROLES) got[role] = await runWs(role, row.frame(f, role));
      expect(got).toEqual(row.expect);
    });
  }
});
