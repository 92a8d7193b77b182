import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { textFrame } from './frame.js';

// @types/ws does not declare ws's Sender; its static frame() is what ws.send uses.
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, opts: Record<string, unknown>): Buffer[] };
};

/** The bytes `ws` itself puts on the wire for a server's text message. */
function wsFrame(data: Buffer): Buffer {
  const opts = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false } as const;
  return Buffer.concat(Sender.frame(data, opts));
}

describe('textFrame', () => {
  it('builds the same bytes as ws for every length class', () => {
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const data = Buffer.alloc(n, 0x61);
      expect(textFrame(data).equals(wsFrame(data))).toBe(true);
      expect(textFrame(data.toString()).equals(wsFrame(data))).toBe(true);
    }
  });

  it('counts the length in UTF-8 bytes, not characters', () => {
    const text = '안녕 👋🏽 مرحبا'.repeat(20);
    const f = textFrame(text);
    expect(f.equals(wsFrame(Buffer.from(text)))).toBe(true);
    expect(f.subarray(4).toString()).toBe(text);
  });
});
