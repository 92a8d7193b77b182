import { describe, expect, it } from 'vitest';
import { busContract } from '../../test/contract/bus.contract.js';
import { MemoryBus, MemoryHub } from './memory.js';

// One hub for the whole run: every bus the factory makes is a node of the same "cluster".
const hub = new MemoryHub();
busContract('memory', async () => {
  const bus = hub.bus({ retryDelay: () => 5 });
  return { bus, cleanup: () => bus.close() };
});

describe('MemoryBus', () => {
  it('delivers in a microtask, not inside publish', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    bus.subscribe('conv.a', (data) => got.push(data));
    bus.publish('conv.a', 'x');
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual(['x']);
    await bus.close();
  });

  it('keeps per-subject order when a handler publishes while being delivered', async () => {
    const bus = new MemoryBus();
    const second: string[] = [];
    bus.subscribe('conv.a', (data) => {
      if (data === '1') bus.publish('conv.a', '2');
    });
    bus.subscribe('conv.a', (data) => second.push(data));
    bus.publish('conv.a', '1');
    await new Promise((r) => setTimeout(r, 0));
    expect(second).toEqual(['1', '2']);
    await bus.close();
  });

  it('reports handler errors and job rejections to onError', async () => {
    const errors: string[] = [];
    const bus = new MemoryBus({
      onError: (_e, context) => errors.push(context),
      retryDelay: () => 1,
    });
    bus.subscribe('conv.a', () => {
      throw new Error('boom');
    });
    bus.publish('conv.a', 'x');
    let tries = 0;
    bus.consume('push', async () => {
      if (++tries === 1) throw new Error('nope');
    });
    await bus.enqueue('push', 'job');
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual(['handler of conv.a', 'job handler of push']);
    expect(tries).toBe(2);
    await bus.close();
  });

  it('shares jobs round-robin between consumers', async () => {
    const bus = new MemoryBus();
    const got: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      bus.consume('q', async () => {
        got.push(name);
      });
    }
    for (let i = 0; i < 6; i++) await bus.enqueue('q', String(i));
    await new Promise((r) => setTimeout(r, 0));
    expect(got).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    await bus.close();
  });

  it('rejects subjects with wildcards and reports closed as disconnected', async () => {
    const bus = new MemoryBus();
    expect(() => bus.subscribe('conv.*', () => {})).toThrow(TypeError);
    expect(() => bus.subscribe('conv.>', () => {})).toThrow(TypeError);
    const seen: boolean[] = [];
    bus.onStatus((c) => seen.push(c));
    await bus.close();
    expect(bus.status()).toEqual({ connected: false });
    expect(seen).toEqual([false]);
    bus.publish('conv.a', 'dropped'); // does not throw
  });
});
