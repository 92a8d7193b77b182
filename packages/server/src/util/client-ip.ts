import { BlockList, isIP } from 'node:net';

/** `::ffff:10.0.0.1` -> `10.0.0.1`; other addresses unchanged (brackets and zone removed). */
export function normalizeIp(addr: string): string {
  let a = addr.trim();
  if (a.startsWith('[') && a.includes(']')) a = a.slice(1, a.indexOf(']'));
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  return a.toLowerCase();
}

/**
 * Who the client is, given the trusted proxies (`PARLEY_TRUSTED_PROXIES`: addresses and CIDRs).
 *
 * The address is the TCP peer's, unless the peer is a trusted proxy: then X-Forwarded-For is
 * read from the right (the hop the trusted proxy appended last) and the first address that is
 * not itself a trusted proxy is the client. A header from an untrusted peer is never read, so
 * a client cannot choose its own address.
 */
export class ClientIp {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(trusted: readonly string[]) {
    let n = 0;
    for (const raw of trusted) {
      const entry = raw.trim();
      if (!entry) continue;
      const [addr = '', bits] = entry.split('/');
      const ip = normalizeIp(addr);
      const family = isIP(ip);
      if (family === 0) throw new Error(`not an address or CIDR: ${entry}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(ip, type);
      else {
        const prefix = Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
          throw new Error(`bad prefix length: ${entry}`);
        }
        this.list.addSubnet(ip, prefix, type);
      }
      n++;
    }
    this.size = n;
  }

  /** Parses a comma-separated list (the environment variable's format). */
  static parse(list: string | undefined): ClientIp {
    return new ClientIp((list ?? '').split(',').filter((s) => s.trim() !== ''));
  }

  isTrusted(addr: string): boolean {
    if (this.size === 0) return false;
    const ip = normalizeIp(addr);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client address from the TCP peer and the X-Forwarded-For header(s). */
  resolve(peer: string | undefined, forwarded: string | string[] | undefined): string {
    const direct = normalizeIp(peer ?? '');
    if (!this.isTrusted(direct) || forwarded === undefined) return direct;
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)
      .split(',')
      .map((h) => normalizeIp(h))
      .filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return direct; // garbage in the chain: trust nothing before it
      if (!this.isTrusted(hop)) return hop;
    }
    return hops[0] ?? direct;
  }
}
