import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { rateLimitContract } from '../../test/contract/ratelimit.contract.js';
import { RedisRateLimit } from './redis.js';

const URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key of this run starts with it; all are deleted afterwards. */
const PREFIX = `parley-test:${randomBytes(6).toString('hex')}:`;

async function deleteKeys(): Promise<number> {
  const r = new Redis(URL, { lazyConnect: true });
  await r.connect();
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) n += await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
  return n;
}

afterAll(async () => {
  await deleteKeys();
});

rateLimitContract('redis', async () => {
  const open = async () => {
    const b = new RedisRateLimit({ url: URL, prefix: PREFIX });
    expect(await b.ready()).toBe(true);
    return b;
  };
  const backend = await open();
  return {
    backend,
    second: open,
    cleanup: () => backend.close(),
  };
});

describe('redis rate limits: outage', () => {
  it('falls back to per-process counters when Redis is unreachable', async () => {
    const backend = new RedisRateLimit({ url: 'redis://127.0.0.1:1', prefix: PREFIX });
    try {
      expect(await backend.ready(200)).toBe(false);
      const l = backend.limiter({ name: 'down', points: 2, windowS: 10 });
      expect((await l.consume('k')).ok).toBe(true);
      expect((await l.consume('k')).ok).toBe(true);
      expect((await l.consume('k')).ok).toBe(false);
    } finally {
      await backend.close();
    }
  });

  it('leaves no keys behind', async () => {
    const backend = new RedisRateLimit({ url: URL, prefix: PREFIX });
    expect(await backend.ready()).toBe(true);
    await backend.limiter({ name: 'gone', points: 5, windowS: 60 }).consume('k');
    await backend.close();
    expect(await deleteKeys()).toBeGreaterThan(0);
    expect(await deleteKeys()).toBe(0);
  });
});
