import { describe, expect, it } from 'vitest';
import { jsonTooDeep } from './json-depth.js';
import { TokenBucket } from './token-bucket.js';

describe('json depth scan', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonTooDeep('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonTooDeep('{"a":[1,{"b":2}]}', 2)).toBe(true);
    expect(jsonTooDeep(Buffer.from('{"a":"[[[[[[[[[[[["}'), 2)).toBe(false);
    expect(jsonTooDeep('{"a":"\\"[[[[[[[[["}', 2)).toBe(false);
    expect(jsonTooDeep('['.repeat(100_000), 16)).toBe(true);
    expect(jsonTooDeep(']]]]', 1)).toBe(false);
  });
});

describe('token bucket', () => {
  it('lets a burst through, then refills at the rate', () => {
    let now = 0;
    const b = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(0);
    expect(b.take()).toBe(100);
    now += 100;
    expect(b.take()).toBe(0);
    expect(b.take()).toBeGreaterThan(0);
    now += 10_000;
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(0);
    expect(b.take()).toBeGreaterThan(0);
    const off = new TokenBucket(0, 0, () => now);
    for (let i = 0; i < 100; i++) expect(off.take()).toBe(0);
  });
});
