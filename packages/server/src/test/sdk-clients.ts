/**
 * SDK clients (ParleyClient on `ws`) for the cluster tests, each recording the messages it
 * received, its acks, and the error codes of the frames the server sent it.
 */
import type { AckFrame, MessageEvent } from '@parley/protocol';
import { WebSocket } from 'ws';
import { ExponentialBackoff } from '../../../sdk/src/backoff.js';
import { ParleyClient } from '../../../sdk/src/client.js';
import { uname } from './harness.js';

export interface TestClient {
  client: ParleyClient;
  name: string;
  /** Message events received (live or by sync), in the order the SDK emitted them. */
  messages: MessageEvent[];
  /** Acks of this client's sends, by cid (the first one). */
  acks: Map<string, AckFrame>;
  /** `error` frames received, by code (retryable errors of sends included). */
  errors: Map<string, number>;
  /** WebSocket connections opened. */
  connects: number;
}

/** A registered, not yet connected SDK client on `baseUrl`. */
export async function sdkClient(baseUrl: string, prefix = 'cl'): Promise<TestClient> {
  const t: TestClient = {
    client: null as unknown as ParleyClient,
    name: uname(prefix),
    messages: [],
    acks: new Map(),
    errors: new Map(),
    connects: 0,
  };
  class SpyingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      t.connects++;
      this.on('message', (data: Buffer) => {
        const text = data.toString();
        if (!text.startsWith('{"type":"error"')) return;
        const code = (JSON.parse(text) as { code: string }).code;
        t.errors.set(code, (t.errors.get(code) ?? 0) + 1);
      });
    }
  }
  t.client = new ParleyClient({
    baseUrl,
    WebSocket: SpyingWebSocket as never,
    reconnectPolicy: new ExponentialBackoff({ baseMs: 100, maxMs: 1000 }),
    requestTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
  });
  t.client.on('message', (m) => t.messages.push(m));
  t.client.on('ack', (f) => {
    if (!t.acks.has(f.cid)) t.acks.set(f.cid, f);
  });
  await t.client.register({ username: t.name, password: 'correct horse' });
  return t;
}

/** Registers n clients, a few at a time (argon2id is the slow part). */
export async function sdkClients(baseUrl: string, n: number, prefix = 'cl'): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = Math.min(8, n - i);
    out.push(
      ...(await Promise.all(Array.from({ length: batch }, () => sdkClient(baseUrl, prefix)))),
    );
  }
  return out;
}

/** Creates a group of everyone, owned by the first client; returns its id. */
export async function groupOf(clients: TestClient[], title: string): Promise<string> {
  const [owner, ...rest] = clients;
  const v = await owner!.client.createConversation({
    kind: 'group',
    title,
    members: rest.map((c) => c.client.user!.id),
  });
  return v.id;
}

/** Messages of one conversation as `seq:id`, in the order received. */
export function order(c: TestClient, conv: string): string[] {
  return c.messages.filter((m) => m.conv === conv).map((m) => `${m.seq}:${m.id}`);
}

/** Who has how many messages of a conversation, and what is missing (for timeouts). */
export function progress(clients: TestClient[], conv: string, want: number): string {
  return clients
    .map((c) => {
      const seqs = c.messages.filter((m) => m.conv === conv).map((m) => m.seq);
      const top = Math.max(0, ...seqs);
      return `${c.name} ${c.client.state} ${seqs.length}/${want} top ${top} outbox ${c.client.outbox().length}`;
    })
    .filter((line, i) => i < 8 || !line.includes(`${want}/${want}`))
    .join('; ');
}

/** Every stored message of a conversation, oldest first, read through `reader`'s HTTP API. */
export async function storedMessages(reader: TestClient, conv: string): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await reader.client.history(conv, { after, limit: 500 });
    for (const e of page.events) if (e.kind === 'message') out.push(e);
    if (page.events.length === 0) return out;
    after = page.events[page.events.length - 1]!.seq;
  }
}

/**
 * The guarantees after a fault: every message is stored once (one per cid), every ack matches
 * what is stored, and every client received each stored message exactly once, in seq order.
 * Returns a list of violations (empty: all good).
 */
export async function checkExactlyOnce(
  clients: TestClient[],
  conv: string,
  expected: number,
): Promise<string[]> {
  const problems: string[] = [];
  const stored = await storedMessages(clients[0]!, conv);
  if (stored.length !== expected) problems.push(`stored ${stored.length}, want ${expected}`);
  const byCid = new Map(stored.map((m) => [m.cid, m]));
  if (byCid.size !== stored.length) problems.push('a cid is stored twice');
  for (const c of clients) {
    for (const [cid, ack] of c.acks) {
      if (ack.conv !== conv) continue;
      const m = byCid.get(cid);
      if (!m) problems.push(`${c.name}: acked ${cid} is not stored`);
      else if (m.id !== ack.id || m.seq !== ack.seq)
        problems.push(`${c.name}: ack of ${cid} differs`);
    }
  }
  const want = stored.map((m) => `${m.seq}:${m.id}`);
  for (const c of clients) {
    const got = order(c, conv);
    if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
      const dups = got.length - new Set(got).size;
      problems.push(
        `${c.name}: received ${got.length} (${dups} twice), want ${want.length} in order`,
      );
    }
  }
  return problems;
}
