import { describe, expect, it } from 'vitest';
import { ClientIp, normalizeIp } from './client-ip.js';

describe('client address behind trusted proxies', () => {
  const proxies = ClientIp.parse('10.0.0.0/8, 127.0.0.1, fd00::/8');

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(proxies.resolve('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
    expect(ClientIp.parse('').resolve('127.0.0.1', '1.2.3.4')).toBe('127.0.0.1');
  });

  it('takes the client from X-Forwarded-For when the peer is trusted', () => {
    expect(proxies.resolve('127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(proxies.resolve('::ffff:10.1.2.3', '198.51.100.7')).toBe('198.51.100.7');
    expect(proxies.resolve('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
  });

  it('reads from the right and skips trusted hops; a spoofed left part is not used', () => {
    // the client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real peer
    expect(proxies.resolve('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.5')).toBe('198.51.100.7');
    expect(proxies.resolve('127.0.0.1', ['6.6.6.6', '198.51.100.7'])).toBe('198.51.100.7');
    expect(proxies.resolve('127.0.0.1', '10.0.0.2, 10.0.0.3')).toBe('10.0.0.2');
    expect(proxies.resolve('127.0.0.1', 'garbage, 10.0.0.3')).toBe('127.0.0.1');
    expect(proxies.resolve('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('normalizes addresses and rejects bad entries', () => {
    expect(normalizeIp('::FFFF:1.2.3.4')).toBe('1.2.3.4');
    expect(normalizeIp('[::1]')).toBe('::1');
    expect(() => ClientIp.parse('not-an-ip')).toThrow();
    expect(() => ClientIp.parse('10.0.0.0/33')).toThrow();
  });
});
