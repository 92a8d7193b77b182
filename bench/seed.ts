import { readFileSync } from 'node:fs';
import { newCid } from '@parley/sdk';

/** A message append as the Store port takes it. */
export interface MessageAppend {
  conv: string;
  sender: string;
  body: {
    kind: 'message';
    id: string;
    cid: string;
    text: string;
    reply_to: null;
    thread_root: null;
    mentions: string[];
  };
}

/** The part of the server's Store port that seeding uses. */
export interface SeedStore {
  createUser(u: {
    id: string;
    username: string;
    display_name: string;
    password_hash: string | null;
  }): Promise<unknown>;
  createConversation(c: {
    id: string;
    kind: 'direct';
    title: string;
    workspace_id: null;
    is_public: boolean;
    created_by: string;
    direct_key: string;
    members: { user_id: string; role: 'member' }[];
  }): Promise<unknown>;
}

/**
 * S2's layout straight into a store: `n` pairs of users, a direct conversation per pair. Ids
 * are `u_<prefix>_<i>` and `c_<prefix>_<i>`. Returns [conversation, member, member] per pair.
 */
export async function seedDirectPairs(
  store: SeedStore,
  n: number,
  prefix: string,
): Promise<[string, string, string][]> {
  const pairs: [string, string, string][] = [];
  for (let i = 0; i < n; i++) {
    const a = `u_${prefix}_${2 * i}`;
    const b = `u_${prefix}_${2 * i + 1}`;
    for (const id of [a, b]) {
      await store.createUser({ id, username: id, display_name: id, password_hash: null });
    }
    const conv = `c_${prefix}_${i}`;
    await store.createConversation({
      id: conv,
      kind: 'direct',
      title: '',
      workspace_id: null,
      is_public: false,
      created_by: a,
      direct_key: `${a}:${b}`,
      members: [
        { user_id: a, role: 'member' },
        { user_id: b, role: 'member' },
      ],
    });
    pairs.push([conv, a, b]);
  }
  return pairs;
}

/** Ids as the server makes them (`packages/server/dist/util/ids.js`). */
export interface Ids {
  newId(prefix: string): string;
}

/** The text of every benchmark message: about the size of a chat line. */
const TEXT = `${'x'.repeat(100)} benchmark message`;

/** S2's next message: from one member, chosen at random, of a random one of the pairs. */
export function randomAppend(pairs: [string, string, string][], ids: Ids): MessageAppend {
  const [conv, a, b] = pairs[Math.floor(Math.random() * pairs.length)]!;
  return {
    conv,
    sender: Math.random() < 0.5 ? a : b,
    body: {
      kind: 'message',
      id: ids.newId('m'),
      cid: newCid(), // as the SDK makes them
      text: TEXT,
      reply_to: null,
      thread_root: null,
      mentions: [],
    },
  };
}

/** User + system CPU of this process so far, µs. */
/**
 * Bytes this process has handed to write system calls so far (`wchar` of /proc/self/io: the
 * WAL's frames and the checkpoints' copies, for a store), NaN where there is no /proc.
 */
export function writtenBytes(): number {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function cpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}
