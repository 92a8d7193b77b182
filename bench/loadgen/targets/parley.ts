/**
 * Target adapter for Parley, against the documented protocol (docs/protocol.md,
 * packages/protocol): accounts through `POST /v1/auth/register`, one group conversation per room
 * (or one direct conversation per pair), WebSocket at `/v1/ws` with `auth` -> `ready`, `send` ->
 * `ack` and `event` (kind `message`).
 */
import type {
  ClientFrameInput,
  ConversationView,
  CreateConversationBody,
  RegisterBody,
  ServerFrame,
  Session,
} from '@parley/protocol';
import WebSocket from 'ws';
import type { ClientDriver, Conn, TargetSetup } from '../types.js';
import { layoutClients, pool } from './layout.js';

const PASSWORD = 'bench-password-1';
/** argon2 hashing costs tens of ms per user on this machine: a few registrations in flight. */
const REGISTER_CONCURRENCY = 6;

async function post<T>(url: string, body: unknown, token?: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as T;
    if (res.status === 429 && attempt < 50) {
      let wait = 200;
      try {
        wait = Math.max(50, Number(JSON.parse(text).retry_after_ms) || 200);
      } catch {}
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  }
}

export const setup: TargetSetup = {
  async setup(url, layout, log) {
    const usersPerConv = layout.clientsPerConv / layout.socketsPerUser;
    if (layout.direct && usersPerConv !== 2) throw new Error('direct layout needs 2 users/conv');
    const nUsers = layout.convs * usersPerConv;
    const t0 = Date.now();
    let done = 0;
    const sessions = await pool(
      Array.from({ length: nUsers }, (_, i) => i),
      REGISTER_CONCURRENCY,
      async (i) => {
        const body: RegisterBody = {
          username: `bench${i}`,
          password: PASSWORD,
          display_name: `Bench ${i}`,
          device_name: 'bench',
        };
        const s = await post<Session>(`${url}/v1/auth/register`, body);
        if (++done % 500 === 0) log(`registered ${done}/${nUsers}`);
        return { id: s.user.id, token: s.access_token };
      },
    );
    log(`registered ${nUsers} users in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const convIds = await pool(
      Array.from({ length: layout.convs }, (_, c) => c),
      8,
      async (c) => {
        const members = sessions.slice(c * usersPerConv, (c + 1) * usersPerConv);
        const owner = members[0]!;
        const body: CreateConversationBody = layout.direct
          ? { kind: 'direct', user: members[1]!.id }
          : { kind: 'group', title: `bench room ${c}`, members: members.slice(1).map((m) => m.id) };
        const conv = await post<ConversationView>(`${url}/v1/conversations`, body, owner.token);
        return conv.id;
      },
    );
    log(`created ${layout.convs} conversations`);
    return layoutClients(layout, convIds, sessions);
  },
};

export const driver: ClientDriver = {
  connect(url, client, h) {
    return new Promise<Conn>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, { perMessageDeflate: false });
      let ready = false;
      const frame = (f: ClientFrameInput) => ws.send(JSON.stringify(f));
      const conn: Conn = {
        send(cid, text) {
          frame({ type: 'send', conv: client.conv, cid, text });
        },
        close() {
          ws.terminate();
        },
      };
      ws.on('open', () => frame({ type: 'auth', token: client.token ?? '' }));
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as ServerFrame;
        switch (f.type) {
          case 'event':
            if (f.ev.kind === 'message') h.onText(f.ev.text);
            break;
          case 'ack':
            h.onAck(f.cid);
            break;
          case 'ready':
            if (!ready) {
              ready = true;
              resolve(conn);
            }
            break;
          case 'error':
            if (ready) h.onError(f.code);
            else reject(new Error(`auth: ${f.code} ${f.message}`));
            break;
          default:
            break;
        }
      });
      ws.on('error', (e) => {
        if (!ready) reject(e);
      });
      ws.on('close', (code) => {
        if (ready) h.onClose();
        else reject(new Error(`closed before ready (${code})`));
      });
    });
  },
};
