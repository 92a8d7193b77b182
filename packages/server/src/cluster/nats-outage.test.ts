/**
 * The bus goes away: a NATS server of the test's own is stopped for 10 s under two Parley nodes
 * (behind HAProxy, on a fresh database of the machine's PostgreSQL) and started again on the
 * same port. Storage is the record: sends keep being acked, and once the bus is back every node
 * tells its sockets to `resync`, so each client ends with every message exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterNode,
  Haproxy,
  NatsServer,
  sleep,
  startNodes,
  stopNodes,
  until,
} from '../test/cluster.js';
import { createTestDatabase, type TestDatabase } from '../test/postgres.js';
import {
  checkExactlyOnce,
  groupOf,
  order,
  progress,
  sdkClients,
  type TestClient,
} from '../test/sdk-clients.js';

const OUTAGE_MS = 10_000;

let db: TestDatabase | undefined;
let nats: NatsServer | undefined;
let nodes: ClusterNode[] = [];
let lb: Haproxy | undefined;
let clients: TestClient[] = [];

beforeAll(async () => {
  nats = await NatsServer.start();
  db = await createTestDatabase('cluster_nats');
  nodes = await startNodes(2, { PARLEY_DATABASE_URL: db.url, PARLEY_BUS_URL: nats.url });
  lb = await Haproxy.start(nodes.map((n) => n.port));
  await lb.ready();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.client.disconnect();
  await lb?.stop();
  await stopNodes(nodes);
  await nats?.destroy();
  await db?.drop();
}, 30_000);

describe('NATS stopped for 10 s and started again', () => {
  it('sends keep being acked; every client gets everything once the bus is back', async () => {
    clients = await sdkClients(lb!.url, 6, 'bus');
    const conv = await groupOf(clients, 'bus outage');
    await Promise.all(clients.map((c) => c.client.connect()));
    const perNode = await Promise.all(nodes.map((n) => n.connections()));
    expect(
      perNode.every((c) => c >= 1),
      `connections per node: ${perNode}`,
    ).toBe(true);

    // Live traffic first: the bus works.
    for (const [i, c] of clients.entries()) c.client.send(conv, `before ${i}`);
    await until(() => clients.every((c) => order(c, conv).length >= clients.length), 'live');

    await nats!.stop();
    const down = Date.now();
    // Give the nodes a moment to notice, then send while the bus is down.
    await sleep(500);
    const PER = 10;
    clients.forEach((c, i) => {
      for (let k = 0; k < PER; k++) c.client.send(conv, `during ${i}.${k}`);
    });
    const sent = clients.length * (PER + 1);
    const acked = () => clients.reduce((n, c) => n + c.acks.size, 0);
    await until(() => acked() >= sent, 'acks while the bus is down', OUTAGE_MS - 2_000);
    // Nobody received them live: the bus was the only way between sockets.
    const during = clients.map((c) => order(c, conv).length);
    expect(Math.max(...during)).toBeLessThan(sent);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
    await nats!.resume();
    await until(
      () => clients.every((c) => order(c, conv).length >= sent),
      'every client to catch up once the bus is back',
      20_000,
      () => progress(clients, conv, sent),
    );
    // The balancer puts the nodes back (their /readyz includes the bus), and live delivery works.
    await lb!.ready();
    for (const [i, c] of clients.entries()) c.client.send(conv, `after ${i}`);
    const total = sent + clients.length;
    await until(
      () => clients.every((c) => order(c, conv).length >= total),
      'live again',
      20_000,
      () => progress(clients, conv, total),
    );
    expect(await checkExactlyOnce(clients, conv, total)).toEqual([]);
  }, 90_000);
});
