/**
 * The database goes away: a PostgreSQL instance of the test's own (initdb in a temporary
 * directory) holding sharded storage (a directory database and two conversation shards) is
 * crash-stopped under two Parley nodes behind HAProxy, kept down for 3 s and started again. Sends in the outage fail with the retryable `unavailable` (over the socket and
 * as HTTP 503); the SDK's outbox retries them with the same cid; nothing acked is lost and
 * nothing is stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterNode,
  Haproxy,
  NatsServer,
  OwnPostgres,
  sleep,
  startNodes,
  stopNodes,
  until,
} from '../test/cluster.js';
import { api, RawClient } from '../test/harness.js';
import {
  checkExactlyOnce,
  groupOf,
  order,
  progress,
  sdkClients,
  type TestClient,
} from '../test/sdk-clients.js';

let pg: OwnPostgres | undefined;
let nats: NatsServer | undefined;
let nodes: ClusterNode[] = [];
let lb: Haproxy | undefined;
let clients: TestClient[] = [];
let raw: RawClient | undefined;

beforeAll(async () => {
  [pg, nats] = await Promise.all([OwnPostgres.start(), NatsServer.start()]);
  const names = ['parley_dir', 'parley_s1', 'parley_s2'];
  await pg.createDatabases(names);
  // The directory first, then the conversation shards.
  const databaseUrl = names.map((n) => pg!.url(n)).join(',');
  nodes = await startNodes(2, { PARLEY_DATABASE_URL: databaseUrl, PARLEY_BUS_URL: nats.url });
  lb = await Haproxy.start(nodes.map((n) => n.port));
  await lb.ready();
}, 90_000);

afterAll(async () => {
  raw?.close();
  for (const c of clients) c.client.disconnect();
  await lb?.stop();
  await stopNodes(nodes);
  await nats?.destroy();
  await pg?.destroy();
}, 30_000);

describe('PostgreSQL restarted', () => {
  it('sends in the outage fail with unavailable, the SDK retries, nothing acked is lost', async () => {
    clients = await sdkClients(lb!.url, 4, 'pg');
    const conv = await groupOf(clients, 'database restart');
    await Promise.all(clients.map((c) => c.client.connect()));
    // A raw socket straight to a node, to see the exact error frame.
    const token = clients[0]!.client.session!.access_token;
    raw = await RawClient.connect(nodes[0]!.wsUrl, token);

    // A steady stream of sends from every client, across the outage.
    let stop = false;
    let sent = 0;
    const senders = clients.map(async (c, i) => {
      for (let k = 0; !stop; k++) {
        c.client.send(conv, `client ${i} message ${k}`);
        sent++;
        await sleep(40);
      }
    });
    await until(() => clients.every((c) => c.acks.size >= 5), 'acks before the outage');

    await pg!.stop('immediate');
    const rawAnswer = await raw.request({
      type: 'send',
      conv,
      cid: 'raw-during-outage',
      text: 'x',
    });
    const httpAnswer = await api(
      nodes[1]!.url,
      'GET',
      `/v1/conversations/${conv}/events?after=0`,
      token,
    );
    await sleep(3_000);
    const ackedInOutage = clients.map((c) => c.acks.size);
    await pg!.resume();

    await sleep(1_000);
    stop = true;
    await Promise.all(senders);
    await until(
      () => clients.every((c) => c.client.outbox().length === 0),
      'every outbox to empty after the restart',
      45_000,
      () => progress(clients, conv, sent),
    );
    await until(
      () => clients.every((c) => order(c, conv).length >= sent),
      'every client to have every message',
      20_000,
      () => progress(clients, conv, sent),
    );

    expect(rawAnswer).toMatchObject({ type: 'error', code: 'unavailable' });
    expect(httpAnswer.status).toBe(503);
    expect(httpAnswer.body).toMatchObject({ code: 'unavailable' });
    // The SDK saw the retryable error on its sends and retried them.
    const unavailable = clients.reduce((n, c) => n + (c.errors.get('unavailable') ?? 0), 0);
    expect(unavailable).toBeGreaterThan(0);
    expect(ackedInOutage.length).toBe(clients.length);
    expect(await checkExactlyOnce(clients, conv, sent)).toEqual([]);
  }, 120_000);
});
