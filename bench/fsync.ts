/**
 * What one durable commit costs this machine's disk in CPU, with no database around it: the
 * floor under every acknowledged message that commits alone (docs/benchmarks.md).
 *
 *   node bench/dist/fsync.js [--dir <where the data directory will be>] [--paces 50,500,0]
 *     [--commits 400] [--frames 6] [--page 4096]
 *
 * Each commit does what SQLite's commit of one message does to its write-ahead log with
 * synchronous=FULL: `frames` frames written one after the other (a 24-byte frame header, then a
 * page, as two writes), then one `fsync` (and, in a second pass, `fdatasync` instead). The file
 * is written in full first and the frames wrap around in it, as a WAL that starts over after a
 * checkpoint does. `paces` are commits per second; between two commits the process sleeps, as a
 * server does between messages that arrive apart, and a sleeping CPU makes the next commit dearer
 * (its caches went cold; in a VM it may have been descheduled). Pace 0: back to back.
 * Per pace: CPU µs per commit (user+system of this process, the sleeps excluded) and the commit's
 * wall time, p50 and p99.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Histogram } from './loadgen/histogram.js';

const HEADER = 24;
const FILE_BYTES = 4 * 1024 * 1024;

export interface FsyncOptions {
  dir: string;
  paces: number[];
  commits: number;
  frames: number;
  page: number;
}

export interface FsyncStep {
  pace: number;
  sync: 'fsync' | 'fdatasync';
  commits: number;
  cpuUsPerCommit: number;
  wallMs: { p50: number; p99: number };
}

export function parseFsyncArgs(argv: string[]): FsyncOptions {
  const opts: FsyncOptions = {
    dir: tmpdir(),
    paces: [50, 500, 0],
    commits: 400,
    frames: 6,
    page: 4096,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--dir') opts.dir = v;
    else if (a === '--paces') opts.paces = v.split(',').filter(Boolean).map(Number);
    else if (a === '--commits') opts.commits = Number(v);
    else if (a === '--frames') opts.frames = Number(v);
    else if (a === '--page') opts.page = Number(v);
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.paces.length === 0 || opts.paces.some((p) => !(p >= 0))) {
    throw new Error('--paces takes commits per second, 0 or more (0: back to back)');
  }
  for (const k of ['commits', 'frames', 'page'] as const) {
    if (!Number.isInteger(opts[k]) || opts[k] <= 0)
      throw new Error(`--${k} takes a positive integer`);
  }
  if (opts.frames * (opts.page + HEADER) > FILE_BYTES / 2)
    throw new Error('--frames × --page is too large');
  return opts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** One pace, one kind of sync, `commits` commits into `file`. */
async function runStep(
  file: string,
  o: FsyncOptions,
  pace: number,
  sync: FsyncStep['sync'],
): Promise<FsyncStep> {
  const fd = openSync(file, 'r+');
  const header = Buffer.alloc(HEADER, 1);
  const page = Buffer.alloc(o.page, 2);
  const hist = new Histogram();
  const commitBytes = o.frames * (o.page + HEADER);
  let at = 32;
  let cpu = 0;
  try {
    for (let i = 0; i < o.commits; i++) {
      if (pace > 0) await sleep(1000 / pace);
      const c0 = cpuUs();
      const t0 = performance.now();
      if (at + commitBytes > FILE_BYTES) at = 32;
      for (let f = 0; f < o.frames; f++) {
        writeSync(fd, header, 0, HEADER, at);
        writeSync(fd, page, 0, o.page, at + HEADER);
        at += o.page + HEADER;
      }
      if (sync === 'fsync') fsyncSync(fd);
      else fdatasyncSync(fd);
      hist.record(Math.round((performance.now() - t0) * 1000));
      cpu += cpuUs() - c0;
    }
  } finally {
    closeSync(fd);
  }
  return {
    pace,
    sync,
    commits: o.commits,
    cpuUsPerCommit: cpu / o.commits,
    wallMs: { p50: hist.percentile(0.5) / 1000, p99: hist.percentile(0.99) / 1000 },
  };
}

export async function measureFsync(o: FsyncOptions): Promise<FsyncStep[]> {
  const dir = mkdtempSync(path.join(o.dir, 'parley-fsync-'));
  const file = path.join(dir, 'probe-wal');
  try {
    const fd = openSync(file, 'w');
    const chunk = Buffer.alloc(64 * 1024, 3);
    for (let off = 0; off < FILE_BYTES; off += chunk.length)
      writeSync(fd, chunk, 0, chunk.length, off);
    fsyncSync(fd);
    closeSync(fd);
    const steps: FsyncStep[] = [];
    for (const pace of o.paces) {
      for (const sync of ['fsync', 'fdatasync'] as const)
        steps.push(await runStep(file, o, pace, sync));
    }
    return steps;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const o = parseFsyncArgs(process.argv.slice(2));
  console.log(
    `[fsync] ${o.dir}: ${o.commits} commits per step of ${o.frames} frames of ${o.page} bytes`,
  );
  const steps = await measureFsync(o);
  console.log('| pace (commits/s) | sync | CPU µs/commit | wall p50 ms | wall p99 ms |');
  console.log('|--:|---|--:|--:|--:|');
  for (const s of steps) {
    const pace = s.pace === 0 ? 'back to back' : String(s.pace);
    console.log(
      `| ${pace} | ${s.sync} | ${s.cpuUsPerCommit.toFixed(1)} | ${s.wallMs.p50.toFixed(2)} | ${s.wallMs.p99.toFixed(2)} |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
