/**
 * The checkpointer thread of the SQLite store: copies committed WAL frames back into the
 * database file with PASSIVE checkpoints (which never wait for, nor block, the writer), so that
 * the writer thread's commits rarely pay for a checkpoint themselves (ADR 0004). Started by
 * `AppendWriter`. The writer keeps a higher `wal_autocheckpoint` as the fallback that lets the
 * WAL start over under sustained load.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';

const port = parentPort!;
const { path } = workerData as { path: string };
const db = openDatabase(path);
db.pragma('wal_autocheckpoint = 0');

/** Looks every 10 ms; copies once 256 pages (1 MiB) wait: small passes, each fsync short. */
const TICK_MS = 10;
const MIN_PAGES = 256;

/**
 * Frames in the WAL not yet copied back: mxFrame less nBackfill, from the WAL-index header in
 * the `-shm` file (https://www.sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at
 * byte 96, in the machine's byte order). The file exists while the database is in WAL mode.
 */
let shm: number | undefined;
const head = Buffer.alloc(100);
const le = endianness() === 'LE';
function waiting(): number {
  try {
    shm ??= openSync(`${path}-shm`, 'r');
    if (readSync(shm, head, 0, 100, 0) < 100) return 0;
  } catch {
    return 0;
  }
  const mx = le ? head.readUInt32LE(16) : head.readUInt32BE(16);
  const backfilled = le ? head.readUInt32LE(96) : head.readUInt32BE(96);
  return Math.max(0, mx - backfilled);
}

const timer = setInterval(() => {
  if (waiting() < MIN_PAGES) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or an I/O error: the writer's own checkpoint is the fallback
  }
}, TICK_MS);

port.on('message', (m: string) => {
  if (m !== 'close') return;
  clearInterval(timer);
  if (shm !== undefined) closeSync(shm);
  db.close();
  port.postMessage('closed');
});
