import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { busContract } from '../../test/contract/bus.contract.js';
import { NatsBus, type NatsBusOptions } from './nats.js';

const URL = process.env.PARLEY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const START =
  'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- ' +
  '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log';

// One prefix per run: every bus of the run is a node of one cluster, apart from other runs.
const prefix = `t${randomBytes(5).toString('hex')}`;
const options: NatsBusOptions = {
  prefix,
  retryDelay: () => 20,
  fetchExpiresMs: 1_000,
  reconnectTimeWaitMs: 50,
};

let admin: NatsConnection;

beforeAll(async () => {
  try {
    admin = await connect({ servers: URL, timeout: 2_000 });
    await (await admin.jetstreamManager()).getAccountInfo();
  } catch (error) {
    throw new Error(
      `NATS with JetStream is not reachable at ${URL} (${String(error)}). Start it with:\n  ${START}`,
    );
  }
});

afterAll(async () => {
  if (!admin) return;
  // Leave the server as we found it: delete every stream this run made.
  const jsm = await admin.jetstreamManager();
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(prefix.toUpperCase())) await jsm.streams.delete(name);
  }
  await admin.close();
});

busContract('nats', async () => {
  const bus = await NatsBus.connect(URL, options);
  return { bus, cleanup: () => bus.close() };
});

/** A TCP proxy in front of NATS whose connections the test can cut, to force reconnects. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  static async start(): Promise<CuttableProxy> {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
    const proxy = new CuttableProxy(port);
    await proxy.up();
    return proxy;
  }

  async up(): Promise<void> {
    const target = new globalThis.URL(URL);
    this.server = createServer((client) => {
      const upstream = tcpConnect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  /** Stops listening and cuts every connection. */
  async down(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('NatsBus', () => {
  it('fails with a clear error when the server cannot be reached', async () => {
    await expect(
      NatsBus.connect('nats://127.0.0.1:1', { ...options, connection: { timeout: 500 } }),
    ).rejects.toThrow();
  });

  it('reconnects: status follows the connection and subscriptions deliver again', async () => {
    const proxy = await CuttableProxy.start();
    const viaProxy = await NatsBus.connect(`nats://127.0.0.1:${proxy.port}`, options);
    const direct = await NatsBus.connect(URL, options);
    try {
      const subject = `conv.t${randomBytes(6).toString('hex')}`;
      const queue = `jobs.t${randomBytes(6).toString('hex')}`;
      const got: string[] = [];
      const jobs: string[] = [];
      viaProxy.subscribe(subject, (data) => got.push(data));
      viaProxy.consume(queue, async (data) => {
        jobs.push(data);
      });
      const statuses: boolean[] = [];
      viaProxy.onStatus((c) => statuses.push(c));
      await viaProxy.flush();
      direct.publish(subject, 'before');
      await vi.waitFor(() => expect(got).toEqual(['before']), { timeout: 5_000 });

      await proxy.down();
      await vi.waitFor(() => expect(viaProxy.status().connected).toBe(false), { timeout: 5_000 });
      expect(() => viaProxy.publish(subject, 'dropped while down')).not.toThrow();
      direct.publish(subject, 'missed');

      await proxy.up();
      await vi.waitFor(() => expect(viaProxy.status().connected).toBe(true), { timeout: 10_000 });
      expect(statuses).toEqual([false, true]);
      await viaProxy.flush();
      direct.publish(subject, 'after');
      await direct.enqueue(queue, 'job after reconnect');
      await vi.waitFor(() => expect(got).toEqual(['before', 'after']), { timeout: 5_000 });
      await vi.waitFor(() => expect(jobs).toEqual(['job after reconnect']), { timeout: 10_000 });
    } finally {
      await viaProxy.close();
      await direct.close();
      await proxy.down();
    }
  });

  it('hands a job again when its consumer dies before finishing it', async () => {
    const short = { ...options, ackWaitMs: 1_000, closeWaitMs: 100 };
    const dying = await NatsBus.connect(URL, short);
    const survivor = await NatsBus.connect(URL, short);
    try {
      const queue = `jobs.t${randomBytes(6).toString('hex')}`;
      let started = false;
      dying.consume(queue, () => {
        started = true;
        return new Promise<void>(() => {}); // never finishes
      });
      await survivor.enqueue(queue, 'job');
      await vi.waitFor(() => expect(started).toBe(true), { timeout: 5_000 });
      await dying.close();
      const got: string[] = [];
      survivor.consume(queue, async (data) => {
        got.push(data);
      });
      await vi.waitFor(() => expect(got).toEqual(['job']), { timeout: 10_000 });
    } finally {
      await dying.close();
      await survivor.close();
    }
  });

  it('creates the work stream idempotently, with work-queue retention', async () => {
    const a = await NatsBus.connect(URL, options);
    const b = await NatsBus.connect(URL, options);
    try {
      const info = await (await admin.jetstreamManager()).streams.info(a.streamName);
      expect(info.config.retention).toBe('workqueue');
      expect(info.config.subjects).toEqual([`${prefix}.work.>`]);
      expect(b.streamName).toBe(a.streamName);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
