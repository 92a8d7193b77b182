import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Crockford base32 of `bytes[from, to)` (lower case). */
function base32(bytes: Uint8Array, from = 0, to = bytes.length): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = from; i < to; i++) {
    value = (value << 8) | bytes[i]!;
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
/** Takes 10 random bytes from the pool; returns where they start in it. */
function random10(): number {
  if (poolAt + 10 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 10;
  return poolAt - 10;
}

/** The time part of the last id, and its millisecond: ids made in one ms share it. */
let lastMs = -1;
let lastTime = '';

/** 10 Crockford base32 characters of a millisecond time, most significant first. */
function timePart(ms: number): string {
  if (ms !== lastMs) {
    let t = ms;
    let time = '';
    for (let i = 0; i < 10; i++) {
      time = ALPHABET[t % 32] + time;
      t = Math.floor(t / 32);
    }
    lastMs = ms;
    lastTime = time;
  }
  return lastTime;
}

/**
 * A new id: `<prefix>_` + 10 time characters (ms, sortable) + 16 random characters (80 bits).
 * Example: `m_01jd3k5x7z4q9w2e8r6t0y1u3i`.
 */
export function newId(prefix: string): string {
  const at = random10();
  return `${prefix}_${timePart(Date.now())}${base32(pool, at, at + 10)}`;
}

/** A random url-safe secret of n bytes (refresh tokens, invite codes). */
export function secret(nBytes: number): string {
  return randomBytes(nBytes).toString('base64url');
}

/** A short human-typable code (invites): 10 characters of Crockford base32. */
export function code(): string {
  return base32(randomBytes(7)).slice(0, 10);
}
