/**
 * The contract of the bus port (`src/ports/bus.ts`), run against every adapter:
 *
 * ```ts
 * const hub = new MemoryHub();
 * busContract('memory', async () => {
 *   const bus = hub.bus();
 *   return { bus, cleanup: () => bus.close() };
 * });
 * ```
 *
 * `factory` is called once per node: every bus it returns during one run must belong to the same
 * cluster (one `MemoryHub`; one NATS server and prefix), because the suite calls it twice to test
 * delivery between nodes. Each test uses fresh subject and queue names, so one cluster serves
 * the whole run. `cleanup` is called after each test for every bus the test made.
 *
 * Adapters should make job retries quick (a short retry delay) so the retry test is fast.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bus } from '../../ports/bus.js';

export type BusFactory = () => Promise<{ bus: Bus; cleanup: () => Promise<void> }>;

const WAIT = { timeout: 15_000, interval: 5 };

export function busContract(name: string, factory: BusFactory): void {
  describe(`bus contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];

    async function node(): Promise<Bus> {
      const { bus, cleanup } = await factory();
      cleanups.push(cleanup);
      return bus;
    }

    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    });

    /** Collects what a subscription receives. */
    function collect(bus: Bus, subject: string) {
      const got: Array<[string, string]> = [];
      const unsubscribe = bus.subscribe(subject, (data, s) => got.push([data, s]));
      return { got, unsubscribe, data: () => got.map(([d]) => d) };
    }

    describe('status', () => {
      it('is connected', async () => {
        const bus = await node();
        expect(bus.status()).toEqual({ connected: true });
        const off = bus.onStatus(() => {});
        expect(typeof off).toBe('function');
        off();
      });
    });

    describe('publish/subscribe', () => {
      it('delivers to exact subjects only', async () => {
        const bus = await node();
        const s = subject();
        const others = [`${s}x`, `${s}.child`, s.slice(0, s.lastIndexOf('.')), subject()];
        const exact = collect(bus, s);
        const elsewhere = others.map((o) => collect(bus, o));
        await bus.flush();
        for (const o of others) bus.publish(o, `to ${o}`);
        bus.publish(s, 'hit');
        await vi.waitFor(() => {
          expect(exact.got).toHaveLength(1);
          for (const e of elsewhere) expect(e.got).toHaveLength(1);
        }, WAIT);
        expect(exact.got).toEqual([['hit', s]]);
        elsewhere.forEach((e, i) => {
          expect(e.got).toEqual([[`to ${others[i]}`, others[i]]]);
        });
      });

      it('hands handlers exactly the string that was published', async () => {
        const bus = await node();
        const s = subject();
        const sent = [
          '',
          'plain',
          '{"type":"msg","text":"line 1\\nline 2"}',
          'emoji 🎉 and ünïcödé, 中文',
          'a'.repeat(64 * 1024),
        ];
        const c = collect(bus, s);
        await bus.flush();
        for (const data of sent) bus.publish(s, data);
        await vi.waitFor(() => expect(c.got).toHaveLength(sent.length), WAIT);
        expect(c.data()).toEqual(sent);
      });

      it('delivers to every subscriber of a subject', async () => {
        const bus = await node();
        const s = subject();
        const one = collect(bus, s);
        const two = collect(bus, s);
        await bus.flush();
        bus.publish(s, 'both');
        await vi.waitFor(() => {
          expect(one.data()).toEqual(['both']);
          expect(two.data()).toEqual(['both']);
        }, WAIT);
      });

      it('stops delivering after unsubscribe', async () => {
        const bus = await node();
        const s = subject();
        const gone = collect(bus, s);
        const stays = collect(bus, s);
        await bus.flush();
        bus.publish(s, 'a');
        await vi.waitFor(() => expect(gone.data()).toEqual(['a']), WAIT);
        gone.unsubscribe();
        gone.unsubscribe(); // a second call is harmless
        bus.publish(s, 'b');
        bus.publish(s, 'c');
        await vi.waitFor(() => expect(stays.data()).toEqual(['a', 'b', 'c']), WAIT);
        expect(gone.data()).toEqual(['a']);

        stays.unsubscribe();
        const later = collect(bus, s);
        await bus.flush();
        bus.publish(s, 'd');
        await vi.waitFor(() => expect(later.data()).toEqual(['d']), WAIT);
        expect(stays.data()).toEqual(['a', 'b', 'c']);
      });

      it('keeps the order of 1,000 messages from one publisher on one subject', async () => {
        const [a, b] = [await node(), await node()];
        const s = subject();
        const local = collect(a, s);
        const remote = collect(b, s);
        await Promise.all([a.flush(), b.flush()]);
        const sent = Array.from({ length: 1_000 }, (_, i) => String(i));
        for (const data of sent) a.publish(s, data);
        await vi.waitFor(() => {
          expect(local.got).toHaveLength(sent.length);
          expect(remote.got).toHaveLength(sent.length);
        }, WAIT);
        expect(local.data()).toEqual(sent);
        expect(remote.data()).toEqual(sent);
      });

      it('delivers between nodes, both ways', async () => {
        const [a, b] = [await node(), await node()];
        const s = subject();
        const onA = collect(a, s);
        const onB = collect(b, s);
        await Promise.all([a.flush(), b.flush()]);
        a.publish(s, 'from a');
        await vi.waitFor(() => expect(onB.data()).toEqual(['from a']), WAIT);
        b.publish(s, 'from b');
        await vi.waitFor(() => {
          expect(onA.data()).toEqual(['from a', 'from b']);
          expect(onB.data()).toEqual(['from a', 'from b']);
        }, WAIT);
      });

      it('keeps delivering when a handler throws', async () => {
        const bus = await node();
        const s = subject();
        let thrown = 0;
        bus.subscribe(s, () => {
          thrown++;
          throw new Error('handler failure (expected by the test)');
        });
        const ok = collect(bus, s);
        await bus.flush();
        bus.publish(s, '1');
        bus.publish(s, '2');
        await vi.waitFor(() => expect(ok.data()).toEqual(['1', '2']), WAIT);
        expect(thrown).toBe(2);
        expect(bus.status().connected).toBe(true);
      });
    });

    describe('work queue', () => {
      it('hands every job to a consumer at least once', async () => {
        const bus = await node();
        const q = subject('jobs');
        const seen = new Set<string>();
        const stop = bus.consume(q, async (data) => {
          seen.add(data);
        });
        const jobs = Array.from({ length: 50 }, (_, i) => `job ${i}`);
        await Promise.all(jobs.map((j) => bus.enqueue(q, j)));
        await vi.waitFor(() => expect(seen.size).toBe(jobs.length), WAIT);
        expect([...seen].sort()).toEqual([...jobs].sort());
        stop();
      });

      it('hands a rejected job again', async () => {
        const bus = await node();
        const q = subject('jobs');
        const attempts: string[] = [];
        const done: string[] = [];
        bus.consume(q, async (data) => {
          attempts.push(data);
          if (attempts.filter((a) => a === data).length < 3) {
            throw new Error('job failure (expected by the test)');
          }
          done.push(data);
        });
        await bus.enqueue(q, 'flaky');
        await vi.waitFor(() => expect(done).toEqual(['flaky']), WAIT);
        expect(attempts).toEqual(['flaky', 'flaky', 'flaky']);
      });

      it('hands jobs in enqueue order to a single consumer', async () => {
        const bus = await node();
        const q = subject('jobs');
        const before = Array.from({ length: 50 }, (_, i) => `before ${i}`);
        for (const j of before) await bus.enqueue(q, j);
        const got: string[] = [];
        bus.consume(q, async (data) => {
          got.push(data);
          if (got.length % 7 === 0) await new Promise((r) => setTimeout(r, 1));
        });
        const after = Array.from({ length: 50 }, (_, i) => `after ${i}`);
        for (const j of after) await bus.enqueue(q, j);
        await vi.waitFor(() => expect(got).toHaveLength(100), WAIT);
        expect(got).toEqual([...before, ...after]);
      });

      it('keeps jobs enqueued before any consumer started, for a consumer on another node', async () => {
        const [a, b] = [await node(), await node()];
        const q = subject('jobs');
        await a.enqueue(q, 'one');
        await a.enqueue(q, 'two');
        await new Promise((r) => setTimeout(r, 50));
        const got: string[] = [];
        b.consume(q, async (data) => {
          got.push(data);
        });
        await vi.waitFor(() => expect(got).toEqual(['one', 'two']), WAIT);
      });

      it('hands each job to one of two consumers, and both get work', async () => {
        const [a, b] = [await node(), await node()];
        const q = subject('jobs');
        const successes = new Map<string, number>();
        const byNode = { a: 0, b: 0 };
        const handler = (which: 'a' | 'b') => async (data: string) => {
          await new Promise((r) => setTimeout(r, 2));
          successes.set(data, (successes.get(data) ?? 0) + 1);
          byNode[which]++;
        };
        a.consume(q, handler('a'));
        b.consume(q, handler('b'));
        // Let both consumers get ready before the jobs come.
        await new Promise((r) => setTimeout(r, 200));
        const jobs = Array.from({ length: 60 }, (_, i) => `job ${i}`);
        for (const j of jobs) await a.enqueue(q, j);
        await vi.waitFor(() => expect(successes.size).toBe(jobs.length), WAIT);
        await new Promise((r) => setTimeout(r, 100));
        expect([...successes.values()].every((n) => n === 1)).toBe(true);
        expect(byNode.a + byNode.b).toBe(jobs.length);
        expect(byNode.a).toBeGreaterThan(0);
        expect(byNode.b).toBeGreaterThan(0);
      });

      it('stops handing jobs to a stopped consumer', async () => {
        const [a, b] = [await node(), await node()];
        const q = subject('jobs');
        const onA: string[] = [];
        const stopA = a.consume(q, async (data) => {
          onA.push(data);
        });
        await a.enqueue(q, 'first');
        await vi.waitFor(() => expect(onA).toEqual(['first']), WAIT);
        stopA();
        await a.enqueue(q, 'second');
        const onB: string[] = [];
        b.consume(q, async (data) => {
          onB.push(data);
        });
        await vi.waitFor(() => expect(onB).toEqual(['second']), WAIT);
        expect(onA).toEqual(['first']);
      });
    });
  });
}

/** A subject no other test uses: `<base>.t<random>`. */
function subject(base = 'conv'): string {
  return `${base}.t${randomBytes(6).toString('hex')}`;
}
