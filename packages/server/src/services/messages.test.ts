import type { ConversationView, ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  RawClient,
  register,
  startTestServer,
  type TestServer,
  uname,
} from '../test/harness.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ maxInFlightAppends: 2 });
});
afterAll(async () => {
  await srv.close();
});

describe('back-pressure', () => {
  it('refuses changes past the in-flight cap with a retryable unavailable, and recovers', async () => {
    const a = await register(srv.url, uname('bp'));
    const b = await register(srv.url, uname('bp'));
    const conv = (
      await api<ConversationView>(srv.url, 'POST', '/v1/conversations', a.access_token, {
        kind: 'direct',
        user: b.user.id,
      })
    ).body.id;
    const clients = await Promise.all(
      [a, a, a, b, b, b].map((s) => RawClient.connect(srv.wsUrl, s.access_token)),
    );
    const answers = await Promise.all(
      clients.flatMap((c, i) =>
        Array.from({ length: 10 }, (_, k) =>
          c.request({ type: 'send', conv, cid: `bp${i}.${k}`, text: 'x' }),
        ),
      ),
    );
    const refused = answers.filter(
      (f): f is Extract<ServerFrame, { type: 'error' }> => f.type === 'error',
    );
    expect(answers.length).toBe(60);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatchObject({ code: 'unavailable', retry_after_ms: 250 });
    expect(answers.filter((f) => f.type === 'ack').length).toBe(60 - refused.length);
    // once the queue has drained, a retry of a refused send goes through
    const retry = await clients[0]!.request({ type: 'send', conv, cid: 'bp-retry', text: 'again' });
    expect(retry.type).toBe('ack');
    for (const c of clients) c.close();
  });
});
