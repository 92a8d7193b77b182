/**
 * A new client message id: a UUIDv7 (RFC 9562), 48 bits of Unix milliseconds then 74 random
 * bits, from `crypto.getRandomValues` (browsers, Node 20).
 *
 * Time first, because the server's index of client ids is keyed by cid: ids that grow with time
 * land at the index's right edge, so a commit of messages from many senders writes a few
 * adjacent pages instead of one page per sender (ADR 0014). Any unique cid works; this one is
 * the cheap one to store.
 */
export function newCid(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let h = '';
  for (const x of b) h += HEX[x];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
