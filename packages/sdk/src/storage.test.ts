import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from './outbox.js';
import { LocalOutboxStorage } from './outbox-storage.js';
import { LocalSessionStorage, type StoredSession } from './session-storage.js';
import type { WebStorageLike } from './web-storage.js';

function fakeStorage(): WebStorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

const session: StoredSession = {
  user: { id: 'u1', username: 'ann', display_name: 'Ann', created_at: 0 },
  device_id: 'd1',
  access_token: 'a',
  refresh_token: 'r',
  expires_at: 1,
  sync_token: 'p.1',
};
const msg = (cid: string): OutboxMessage => ({
  cid,
  conv: 'c1',
  text: cid,
  reply_to: null,
  thread_root: null,
  user: 'u1',
  created_at: 1,
  state: 'pending',
  attempts: 0,
});

describe('web storages', () => {
  it('round-trips the session and survives corrupt data', async () => {
    const ws = fakeStorage();
    const s = new LocalSessionStorage('k', ws);
    expect(await s.load()).toBeNull();
    await s.save(session);
    expect(await new LocalSessionStorage('k', ws).load()).toEqual(session);
    ws.setItem('k', '{not json');
    expect(await s.load()).toBeNull();
    await s.clear();
    expect(ws.map.size).toBe(0);
  });

  it('keeps the outbox in order, updates in place and removes', async () => {
    const ws = fakeStorage();
    const o = new LocalOutboxStorage('ob', ws);
    await o.put(msg('a'));
    await o.put(msg('b'));
    await o.put({ ...msg('a'), state: 'failed' });
    expect((await o.load()).map((m) => [m.cid, m.state])).toEqual([
      ['a', 'failed'],
      ['b', 'pending'],
    ]);
    await o.remove('a');
    await o.remove('b');
    expect(await o.load()).toEqual([]);
    expect(ws.map.size).toBe(0);
  });
});
