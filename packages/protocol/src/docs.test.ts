import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FRAME_TYPES, ERRORS } from './index.js';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const SERVER_FRAME_TYPES = [
  'ready',
  'ack',
  'ok',
  'event',
  'sync',
  'typing',
  'presence',
  'pong',
  'error',
  'reconnect',
  'resync',
];

describe('docs/protocol.md', () => {
  it('documents every error code with its status and close code', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      expect(row).toContain(`| ${spec.status} |`);
      if ('close' in spec) expect(row).toContain(`| ${spec.close} |`);
    }
  });
  it('documents every client and server frame type', () => {
    for (const t of [...CLIENT_FRAME_TYPES, ...SERVER_FRAME_TYPES]) {
      expect(doc, t).toMatch(new RegExp(`\\| \`${t}\` \\|`));
    }
  });
});
