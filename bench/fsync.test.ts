import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureFsync, parseFsyncArgs } from './fsync.js';

describe('fsync probe', () => {
  it('parses its options and refuses bad ones', () => {
    const o = parseFsyncArgs(['--paces', '50,0', '--commits', '10', '--frames', '3']);
    expect(o.paces).toEqual([50, 0]);
    expect(o.commits).toBe(10);
    expect(o.frames).toBe(3);
    expect(() => parseFsyncArgs(['--paces', '-1'])).toThrow(/--paces/);
    expect(() => parseFsyncArgs(['--frames', '0'])).toThrow(/--frames/);
    expect(() => parseFsyncArgs(['--commits', '2.5'])).toThrow(/--commits/);
    expect(() => parseFsyncArgs(['--page', '4096', '--frames', '1000'])).toThrow(/too large/);
    expect(() => parseFsyncArgs(['--nope', '1'])).toThrow(/unknown argument/);
  });

  it('measures both kinds of sync at each pace and leaves no file behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-fsync-test-'));
    const o = parseFsyncArgs(['--dir', dir, '--paces', '0', '--commits', '5', '--frames', '2']);
    const steps = await measureFsync(o).finally(() => {
      expect(readdirSync(dir)).toEqual([]);
      rmSync(dir, { recursive: true });
    });
    expect(steps.map((s) => s.sync)).toEqual(['fsync', 'fdatasync']);
    for (const s of steps) {
      expect(s.commits).toBe(5);
      expect(s.cpuUsPerCommit).toBeGreaterThan(0);
      expect(s.wallMs.p99).toBeGreaterThanOrEqual(s.wallMs.p50);
    }
  });
});
