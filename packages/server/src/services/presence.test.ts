import { afterEach, describe, expect, it } from 'vitest';
import { MemoryHub } from '../adapters/bus/memory.js';
import { SqliteStore } from '../adapters/store/sqlite/index.js';
import { PresenceService } from './presence.js';

const settle = () => new Promise((r) => setImmediate(r));
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function cluster() {
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate();
  const hub = new MemoryHub();
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const node = (id: string) => {
    const p = new PresenceService(hub.bus(), store, id, { heartbeatMs: 1000, now: clock.now });
    open.push(p);
    return p;
  };
  open.push(store);
  return { node, clock };
}

describe('presence across nodes', () => {
  it('shows a user online on any node, offline when the last socket goes', async () => {
    const { node } = await cluster();
    const a = node('a');
    const b = node('b');
    b.change('u1', null, 'online');
    await settle();
    expect(a.get('u1').status).toBe('online');
    b.change('u1', 'online', 'away');
    await settle();
    expect(a.get('u1').status).toBe('away');
    b.change('u1', 'away', null);
    await settle();
    expect(a.get('u1').status).toBe('offline');
  });

  it('drops the users of a node that stopped beating (killed), keeping their last seen', async () => {
    const { node, clock } = await cluster();
    const a = node('a');
    const b = node('b');
    b.change('u1', null, 'online');
    a.change('u2', null, 'online');
    await settle();
    expect(a.get('u1').status).toBe('online');
    const lastBeat = clock.now();
    b.close(); // killed: no offline message, no more beats
    clock.advance(2500);
    a.beat();
    expect(a.get('u1').status).toBe('online'); // 2.5 missed beats: not yet
    clock.advance(1000);
    a.beat();
    expect(a.get('u1')).toEqual({ status: 'offline', last_seen: lastBeat });
    expect(a.get('u2').status).toBe('online'); // its own users stay
  });
});
