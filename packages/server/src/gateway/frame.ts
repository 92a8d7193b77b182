/**
 * A WebSocket text frame as a server sends it (FIN, opcode 1, no mask; RFC 6455 §5.2), built
 * once so that the same bytes go to every socket: a fan-out writes them as they are, with no
 * framing per recipient (what gorilla/websocket calls a prepared message).
 */
export function textFrame(payload: string | Buffer): Buffer {
  const n = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) {
    out[1] = n;
  } else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  if (typeof payload === 'string') out.write(payload, head);
  else payload.copy(out, head);
  return out;
}
