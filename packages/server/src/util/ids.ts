import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Crockford base32 of n random bytes (lower case). */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Random bytes for ids, filled 4 KiB at a time (one system call per ~400 ids). */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;
function random10(): Uint8Array {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 10;
  return pool.subarray(poolAt - 10, poolAt);
}

/**
 * A new id: `<prefix>_` + 10 time characters (ms, sortable) + 16 random characters (80 bits).
 * Example: `m_01jd3k5x7z4q9w2e8r6t0y1u3i`.
 */
export function newId(prefix: string): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${base32(random10())}`;
}

/** A random url-safe secret of n bytes (refresh tokens, invite codes). */
export function secret(nBytes: number): string {
  return randomBytes(nBytes).toString('base64url');
}

/** A short human-typable code (invites): 10 characters of Crockford base32. */
export function code(): string {
  return base32(randomBytes(7)).slice(0, 10);
}
