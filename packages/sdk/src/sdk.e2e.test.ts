/**
 * The SDK against a real Parley server (in this process, on a random port, fresh data dir).
 * Network failures are simulated by a WebSocket wrapper that can kill its socket or drop acks.
 */
import { rmSync } from 'node:fs';
import type { ConvEvent, MessageEvent } from '@parley/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer, tempDir, uname } from '../../server/src/test/harness.js';
import { ExponentialBackoff } from './backoff.js';
import { ParleyClient, type ParleyClientOptions } from './client.js';
import type { OutboxMessage } from './outbox.js';
import { MemorySessionStorage } from './session-storage.js';
import type { WebSocketLike } from './socket.js';

type Handler<E> = ((ev: E) => void) | null;

/** What the test can do to one client's network. */
interface Network {
  sockets: FlakySocket[];
  /** New connections fail (connection refused) while true. */
  down: boolean;
  /** The next `send` frame is lost with the connection before it reaches the server. */
  loseNextSend: boolean;
  /** The next `send` reaches the server, but the connection dies before any answer to it. */
  loseNextReply: boolean;
  /** cids of the `send` frames that went out. */
  sent: string[];
  /** Incoming frames are swallowed (a silent, half-open connection). */
  frozen: boolean;
}

/** A `ws` socket the test can break: kill it, refuse it, freeze it, or lose an ack. */
class FlakySocket implements WebSocketLike {
  readonly ws: WebSocket;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  readonly #net: Network;
  #doomed: string | null = null;

  constructor(url: string, net: Network) {
    this.#net = net;
    this.ws = new WebSocket(net.down ? 'ws://127.0.0.1:1/v1/ws' : url);
    net.sockets.push(this);
    this.ws.onopen = (e) => this.onopen?.(e);
    this.ws.onerror = (e) => this.onerror?.(e);
    this.ws.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
    this.ws.onmessage = (e) => {
      const text = String(e.data);
      if (net.frozen) return;
      if (this.#doomed && text.includes(this.#doomed)) {
        this.kill();
        return;
      }
      this.onmessage?.({ data: text });
    };
  }
  get readyState(): number {
    return this.ws.readyState;
  }
  send(data: string): void {
    const f = JSON.parse(data) as { type: string; cid?: string };
    if (f.type === 'send' && this.#net.loseNextSend) {
      this.#net.loseNextSend = false;
      this.kill();
      return;
    }
    if (f.type === 'send' && this.#net.loseNextReply) {
      this.#net.loseNextReply = false;
      this.#doomed = f.cid!;
    }
    if (f.type === 'send') this.#net.sent.push(f.cid!);
    this.ws.send(data);
  }
  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
  kill(): void {
    this.ws.terminate();
  }
}

let srv: TestServer;
const clients: ParleyClient[] = [];
const networks = new Map<ParleyClient, Network>();

beforeAll(async () => {
  srv = await startTestServer();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await srv.close();
});

function client(opts: Partial<ParleyClientOptions> = {}): ParleyClient {
  const net: Network = {
    sockets: [],
    down: false,
    loseNextSend: false,
    loseNextReply: false,
    sent: [],
    frozen: false,
  };
  const c = new ParleyClient({
    baseUrl: srv.url,
    WebSocket: class extends FlakySocket {
      constructor(url: string) {
        super(url, net);
      }
    },
    reconnectPolicy: new ExponentialBackoff({ baseMs: 50, maxMs: 200 }),
    requestTimeoutMs: 5000,
    ...opts,
  });
  clients.push(c);
  networks.set(c, net);
  return c;
}

const net = (c: ParleyClient) => networks.get(c)!;

/** Kills the sockets this client has open (the network went away). */
function cut(c: ParleyClient): void {
  for (const s of net(c).sockets) if (s.readyState === WebSocket.OPEN) s.kill();
}

async function until(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function collect(c: ParleyClient) {
  const events: ConvEvent[] = [];
  const messages: MessageEvent[] = [];
  const outbox: OutboxMessage[] = [];
  const states: string[] = [];
  c.on('event', (e) => events.push(e));
  c.on('message', (m) => messages.push(m));
  c.on('outbox', (m) => outbox.push(m));
  c.on('state', (s) => states.push(s));
  return { events, messages, outbox, states };
}

/** Two users with a direct conversation; `a` and `b` are connected. */
async function pair() {
  const a = client();
  const b = client();
  const ua = uname('a');
  await a.register({ username: ua, password: 'correct horse', display_name: 'Ann' });
  await b.register({ username: uname('b'), password: 'correct horse' });
  const conv = await a.createConversation({ kind: 'direct', user: b.user!.id });
  await Promise.all([a.connect(), b.connect()]);
  return { a, b, conv: conv.id, ua };
}

async function messagesInHistory(c: ParleyClient, conv: string): Promise<MessageEvent[]> {
  const page = await c.history(conv, { after: 0, limit: 500 });
  return page.events.filter((e): e is MessageEvent => e.kind === 'message');
}

describe('sdk against a real server', () => {
  it('registers, logs in on a second device, and refuses a wrong password', async () => {
    const a = client();
    const username = uname('reg');
    const s = await a.register({ username, password: 'correct horse' });
    expect(s.user.username).toBe(username);
    const a2 = client();
    const s2 = await a2.login({ username, password: 'correct horse' });
    expect(s2.user.id).toBe(s.user.id);
    expect(s2.device_id).not.toBe(s.device_id);
    const bad = client();
    await expect(bad.login({ username, password: 'wrong password' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect((await a2.api.me()).id).toBe(s.user.id);
    await a2.refresh();
    expect((await a2.api.me()).id).toBe(s.user.id);
  });

  it('connects, sends and receives between two clients', async () => {
    const { a, b, conv } = await pair();
    const rb = collect(b);
    const ra = collect(a);
    expect(a.state).toBe('online');
    const m = a.send(conv, 'hello 👋 안녕');
    expect(m.state).toBe('pending');
    await until(() => rb.messages.some((x) => x.cid === m.cid), 'b receives');
    await until(() => ra.outbox.some((x) => x.cid === m.cid && x.state === 'sent'), 'sent');
    const got = rb.messages.find((x) => x.cid === m.cid)!;
    expect(got.text).toBe('hello 👋 안녕');
    expect(got.sender).toBe(a.user!.id);
    await until(() => b.conversation(conv)?.unread === 1, 'b unread 1');
    expect(b.conversation(conv)?.last_message?.text).toBe('hello 👋 안녕');
    expect(a.conversation(conv)?.unread).toBe(0);
  });

  it('reconnects and resumes with no loss and no duplicate', async () => {
    const { a, b, conv } = await pair();
    const rb = collect(b);
    for (let i = 0; i < 3; i++) a.send(conv, `before ${i}`);
    await until(() => rb.messages.length === 3, '3 live messages');
    net(b).down = true;
    cut(b);
    await until(() => b.state !== 'online', 'b offline');
    const ra = collect(a);
    for (let i = 0; i < 20; i++) a.send(conv, `during ${i}`);
    await until(() => ra.outbox.filter((m) => m.state === 'sent').length === 20, 'a sent 20');
    expect(rb.messages).toHaveLength(3);
    net(b).down = false;
    await until(() => b.state === 'online', 'b back online');
    for (let i = 0; i < 3; i++) a.send(conv, `after ${i}`);
    await until(() => rb.messages.length >= 26, 'all 26 messages');
    await new Promise((r) => setTimeout(r, 200)); // any duplicate would arrive now
    const texts = rb.messages.map((m) => m.text);
    expect(texts).toHaveLength(26);
    expect(new Set(rb.events.map((e) => `${e.conv}:${e.seq}`)).size).toBe(rb.events.length);
    expect(texts).toEqual([
      ...[0, 1, 2].map((i) => `before ${i}`),
      ...Array.from({ length: 20 }, (_, i) => `during ${i}`),
      ...[0, 1, 2].map((i) => `after ${i}`),
    ]);
    expect(rb.states).toContain('connecting');
    await until(() => b.conversation(conv)?.unread === 26, 'b unread 26');
  });

  it('resends after reconnect with the same cid, storing one message', async () => {
    const { a, b, conv } = await pair();
    const ra = collect(a);
    const rb = collect(b);
    const sentOk = (cid: string) => () =>
      ra.outbox.some((m) => m.cid === cid && m.state === 'sent');
    // 1. The send frame is lost with the connection: resent (same cid) after reconnecting.
    net(a).loseNextSend = true;
    const m1 = a.send(conv, 'send lost');
    await until(sentOk(m1.cid), 'm1 sent');
    expect(net(a).sent.filter((c) => c === m1.cid)).toHaveLength(1);
    // 2. Stored, but the connection dies before the ack or the event comes back.
    net(a).loseNextReply = true;
    const m2 = a.send(conv, 'reply lost');
    await until(sentOk(m2.cid), 'm2 sent');
    // 3. Sent while offline: waits in the outbox and goes after the reconnect.
    net(a).down = true;
    cut(a);
    await until(() => a.state !== 'online', 'a offline');
    const m3 = a.send(conv, 'queued offline');
    await new Promise((r) => setTimeout(r, 300));
    expect(a.outbox(conv).map((m) => [m.cid, m.state])).toEqual([[m3.cid, 'pending']]);
    net(a).down = false;
    await until(sentOk(m3.cid), 'm3 sent');
    expect(net(a).sockets.length).toBeGreaterThanOrEqual(4);
    const hist = await messagesInHistory(b, conv);
    expect(hist.map((m) => m.text)).toEqual(['send lost', 'reply lost', 'queued offline']);
    expect(hist.map((m) => m.cid)).toEqual([m1.cid, m2.cid, m3.cid]);
    await until(() => rb.messages.length === 3, 'b got all three');
    await new Promise((r) => setTimeout(r, 100));
    expect(rb.messages).toHaveLength(3);
    expect(ra.outbox.filter((m) => m.state === 'failed')).toEqual([]);
    expect(ra.outbox.filter((m) => m.state === 'sent')).toHaveLength(3);
    expect(a.outbox()).toEqual([]);
  });

  it('marks a permanent send error failed; retry and discard', async () => {
    const { a } = await pair();
    const ra = collect(a);
    const m = a.send('c_does_not_exist', 'into the void');
    await until(() => ra.outbox.some((x) => x.cid === m.cid && x.state === 'failed'), 'failed');
    const failed = a.outbox().find((x) => x.cid === m.cid)!;
    expect(['not_found', 'forbidden']).toContain(failed.error?.code);
    expect(a.retry(m.cid)).toBe(true);
    await until(() => ra.outbox.filter((x) => x.state === 'failed').length === 2, 'fails again');
    expect(a.discard(m.cid)).toBe(true);
    expect(a.outbox()).toEqual([]);
  });

  it('multi-device: reading on one device clears unread on the other', async () => {
    const { a, b, conv, ua } = await pair();
    const a2 = client();
    await a2.login({ username: ua, password: 'correct horse' });
    await a2.connect();
    const rb = collect(b);
    for (let i = 0; i < 3; i++) b.send(conv, `ping ${i}`);
    await until(() => rb.outbox.filter((m) => m.state === 'sent').length === 3, 'b sent 3');
    await until(() => a.conversation(conv)?.unread === 3, 'a unread 3');
    await until(() => a2.conversation(conv)?.unread === 3, 'a2 unread 3');
    const last = a.conversation(conv)!.last_seq;
    await a.markRead(conv, last);
    expect(a.conversation(conv)?.unread).toBe(0);
    await until(() => a2.conversation(conv)?.unread === 0, 'a2 unread 0');
    expect(a2.conversation(conv)?.read_seq).toBe(last);
    expect(b.conversation(conv)?.unread).toBe(0);
  });

  it('mutes, adds and removes members, and leaves a group', async () => {
    const { a, b } = await pair();
    const c = client();
    await c.register({ username: uname('c'), password: 'correct horse' });
    await c.connect();
    const g = await a.createConversation({ kind: 'group', title: 'crew', members: [b.user!.id] });
    await until(() => b.conversation(g.id) !== undefined, 'b sees the group');
    await b.setMuted(g.id, true);
    expect(b.conversation(g.id)?.muted).toBe(true);
    // a's own view is unchanged: mute is per member
    expect(a.conversation(g.id)?.muted).toBe(false);
    await a.api.addMember(g.id, c.user!.id);
    await until(() => c.conversation(g.id) !== undefined, 'c sees the group');
    // b is no admin: removing c is refused; a (the owner) removes c
    await expect(b.api.removeMember(g.id, c.user!.id)).rejects.toMatchObject({ code: 'forbidden' });
    await a.api.removeMember(g.id, c.user!.id);
    await until(() => c.conversation(g.id) === undefined, 'c no longer has it');
    await b.leave(g.id);
    await until(() => b.conversation(g.id) === undefined, 'b left');
    const { members } = await a.api.conversationMembers(g.id);
    expect(members.map((m) => m.user.id)).toEqual([a.user!.id]);
    await b.setMuted(g.id, false).then(
      () => expect.unreachable('not a member any more'),
      (e: unknown) =>
        expect(e).toMatchObject({ code: expect.stringMatching(/forbidden|not_found/) }),
    );
  });

  it('edits, reacts, deletes and types over the socket', async () => {
    const { a, b, conv } = await pair();
    const rb = collect(b);
    const typing: boolean[] = [];
    b.on('typing', (t) => typing.push(t.on));
    expect(a.typing(conv, true)).toBe(true);
    await until(() => typing.length === 1, 'typing');
    const m = a.send(conv, 'first');
    await until(() => rb.messages.length === 1, 'message');
    const id = rb.messages[0]!.id;
    await a.edit(conv, id, 'first (edited)');
    await a.react(conv, id, '👍', true);
    await b.delete(conv, id).catch((e) => expect(e.code).toBe('forbidden'));
    await a.delete(conv, id);
    await until(() => rb.events.some((e) => e.kind === 'delete'), 'delete event');
    expect(rb.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['message', 'edit', 'reaction', 'delete']),
    );
    expect(b.conversation(conv)?.unread).toBe(0);
    expect(b.conversation(conv)?.last_message).toMatchObject({ cid: m.cid, deleted: true });
    await expect(a.edit(conv, 'm_nope', 'x')).rejects.toMatchObject({ name: 'ParleyError' });
  });

  it('declares a silent socket dead and reconnects (heartbeat)', async () => {
    const a = client({ pingAfterMs: 150, deadAfterMs: 400, connectTimeoutMs: 1000 });
    await a.register({ username: uname('hb'), password: 'correct horse' });
    await a.connect();
    const ra = collect(a);
    net(a).frozen = true;
    await until(() => ra.states.includes('offline'), 'declared dead', 3000);
    net(a).frozen = false;
    await until(() => a.state === 'online', 'back online');
    expect(net(a).sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('refreshes once on 401 for concurrent requests and on close 4001', async () => {
    const a = client();
    await a.register({ username: uname('r'), password: 'correct horse' });
    // A stored session whose access token the server rejects (as if signed by an old key).
    const storage = new MemorySessionStorage({ ...a.session!, access_token: 'garbage' });
    const a2 = client({ storage });
    const sessions: unknown[] = [];
    a2.on('session', (s) => sessions.push(s));
    await a2.restore();
    const results = await Promise.all(Array.from({ length: 5 }, () => a2.api.me()));
    expect(results.every((u) => u.id === a.user!.id)).toBe(true);
    expect(sessions).toHaveLength(1); // one refresh (a second would trip reuse detection)
    await a2.api.me();
    // The socket: auth with a bad token closes 4001; the client refreshes and reconnects.
    await storage.save({ ...a2.session!, access_token: 'garbage', sync_token: null });
    const a3 = client({ storage });
    await a3.restore();
    await a3.connect();
    expect(a3.state).toBe('online');
    expect(a3.session!.access_token).not.toBe('garbage');
  });

  it('follows a draining server: reconnects after the restart and resumes', async () => {
    const dataDir = tempDir();
    let own = await startTestServer({ dataDir });
    const port = own.parley.port;
    const mk = () => client({ baseUrl: own.url });
    const [a, b] = [mk(), mk()];
    await a.register({ username: uname('da'), password: 'correct horse' });
    await b.register({ username: uname('db'), password: 'correct horse' });
    const conv = (await a.createConversation({ kind: 'direct', user: b.user!.id })).id;
    await Promise.all([a.connect(), b.connect()]);
    const rb = collect(b);
    a.send(conv, 'before restart');
    await until(() => rb.messages.length === 1, 'first message');
    await own.close(); // drains: `reconnect` frame, close 4009
    await until(() => b.state !== 'online' && a.state !== 'online', 'both offline');
    own = await startTestServer({ dataDir, port });
    try {
      a.send(conv, 'after restart');
      await until(() => rb.messages.length === 2, 'second message', 15_000);
      expect(rb.messages.map((m) => m.text)).toEqual(['before restart', 'after restart']);
      expect(b.conversation(conv)?.unread).toBe(2);
    } finally {
      a.disconnect();
      b.disconnect();
      await own.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('logs out: the session is gone and the client is offline', async () => {
    const { a } = await pair();
    const sessions: unknown[] = [];
    a.on('session', (s) => sessions.push(s));
    await a.logout();
    expect(a.session).toBeNull();
    expect(a.state).toBe('offline');
    expect(sessions).toEqual([null]);
    await expect(a.connect()).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
