/**
 * Three Parley nodes behind HAProxy (deploy/haproxy.cfg.in) on a fresh database of the
 * machine's PostgreSQL (one database: three nodes on three shard databases would hold up to
 * ~100 connections of a server other suites share; sharded storage is exercised by the
 * PostgreSQL-restart test on an instance of its own) and a NATS server of the test's own; clients are SDK clients on the
 * balancer's URL. Needs the compiled server (`npx tsc -b packages/server`), haproxy,
 * nats-server and PostgreSQL: a missing one fails the suite with how to get it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterNode,
  Haproxy,
  NatsServer,
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

let db: TestDatabase | undefined;
let nats: NatsServer | undefined;
/** The nodes still running; `started` all of them, for the cleanup. */
let nodes: ClusterNode[] = [];
let started: ClusterNode[] = [];
let lb: Haproxy | undefined;
const clients: TestClient[] = [];

beforeAll(async () => {
  nats = await NatsServer.start();
  db = await createTestDatabase('cluster_lb');
  nodes = await startNodes(3, { PARLEY_DATABASE_URL: db.url, PARLEY_BUS_URL: nats.url });
  started = nodes;
  lb = await Haproxy.start(nodes.map((n) => n.port));
  await lb.ready();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.client.disconnect();
  await lb?.stop();
  await stopNodes(started);
  await nats?.destroy();
  await db?.drop();
}, 30_000);

async function crowd(n: number, prefix: string): Promise<TestClient[]> {
  const list = await sdkClients(lb!.url, n, prefix);
  clients.push(...list);
  return list;
}

describe('cluster behind HAProxy', () => {
  it('clients on different nodes chat in one conversation and all see one gap-free order', async () => {
    const members = await crowd(6, 'lb');
    const conv = await groupOf(members, 'one order');
    await Promise.all(members.map((m) => m.client.connect()));
    // leastconn spreads the six sockets over the three nodes
    const perNode = await Promise.all(nodes.map((n) => n.connections()));
    expect(
      perNode.every((c) => c >= 1),
      `connections per node: ${perNode}`,
    ).toBe(true);

    const PER = 15;
    members.forEach((m, i) => {
      for (let k = 0; k < PER; k++) m.client.send(conv, `member ${i} message ${k}`);
    });
    const total = members.length * PER;
    await until(
      () => members.every((m) => order(m, conv).length >= total),
      'every member to receive every message',
      30_000,
      () => progress(members, conv, total),
    );
    const reference = order(members[0]!, conv);
    const seqs = reference.map((s) => Number(s.split(':')[0]));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    for (const m of members) expect(order(m, conv), m.name).toEqual(reference);
    // each sender's messages keep the order it sent them in
    members.forEach((m, i) => {
      const mine = members[0]!.messages
        .filter((e) => e.conv === conv && e.sender === m.client.user!.id)
        .map((e) => e.text);
      expect(mine).toEqual(Array.from({ length: PER }, (_, k) => `member ${i} message ${k}`));
    });
    expect(await checkExactlyOnce(members, conv, total)).toEqual([]);
  }, 60_000);

  it('a node SIGKILLed while 50 clients send: its clients resume on the others, nothing lost or doubled', async () => {
    const members = await crowd(50, 'kill');
    const conv = await groupOf(members, 'kill -9');
    await Promise.all(members.map((m) => m.client.connect()));
    const before = await Promise.all(nodes.map((n) => n.connections()));
    const victim = nodes[before.indexOf(Math.max(...before))]!;
    expect(Math.max(...before)).toBeGreaterThan(0);

    const PER = 10;
    members.forEach((m, i) => {
      for (let k = 0; k < PER; k++) m.client.send(conv, `client ${i} message ${k}`);
    });
    const acked = () => members.reduce((n, m) => n + m.acks.size, 0);
    await until(() => acked() >= 80, 'some acks before the kill', 20_000);
    const ackedAtKill = acked();
    await victim.kill();
    nodes = nodes.filter((n) => n !== victim);

    const total = members.length * PER;
    // Sent: acked, or (when the ack died with the node) seen stored in the conversation.
    await until(
      () => members.every((m) => m.client.outbox().length === 0),
      'every outbox to empty',
      60_000,
      () => progress(members, conv, total),
    );
    await until(
      () => members.every((m) => order(m, conv).length >= total),
      'every client to have every message',
      30_000,
      () => progress(members, conv, total),
    );
    // The victim's clients came back through the balancer, to the survivors.
    const reconnected = members.filter((m) => m.connects > 1).length;
    expect(reconnected).toBeGreaterThan(0);
    expect(ackedAtKill).toBeLessThan(total); // the kill really happened mid-burst
    await until(
      async () => {
        const after = await Promise.all(nodes.map((n) => n.connections()));
        return after.reduce((a, b) => a + b, 0) >= clients.length;
      },
      'every client (this test and the last) connected to a survivor',
      15_000,
    );
    expect(await checkExactlyOnce(members, conv, total)).toEqual([]);
  }, 120_000);

  it('a draining node (SIGTERM) is taken out: its clients move to the last node and chat on', async () => {
    const [leaving, staying] = nodes as [ClusterNode, ClusterNode];
    const exited = leaving.stop();
    nodes = [staying];
    await exited;
    await until(
      async () => (await staying.connections()) >= clients.length,
      'every client on the remaining node',
      20_000,
    );
    const [a, b] = clients.slice(0, 2) as [TestClient, TestClient];
    const conv = await groupOf([a, b], 'after the drain');
    a.client.send(conv, 'still here');
    await until(() => order(b, conv).length === 1, 'delivery after the drain', 10_000);
  }, 60_000);
});
