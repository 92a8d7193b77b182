/**
 * The checkpointer thread of the SQLite store: copies committed WAL frames back into the
 * database file with PASSIVE checkpoints (which never wait for, nor block, the writer), so that
 * the writer thread's commits rarely pay for a checkpoint themselves (ADR 0004). Started by
 * `AppendWriter`. The writer keeps a higher `wal_autocheckpoint` as the fallback that lets the
 * WAL start over under sustained load.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';

const port = parentPort!;
const { path } = workerData as { path: string };
const db = openDatabase(path);
db.pragma('wal_autocheckpoint = 0');

/** Every 10 ms while commits come in (so each pass has little to copy), up to 250 ms when idle. */
const BUSY_MS = 10;
const IDLE_MS = 250;

let seen = 0;
let delay = BUSY_MS;
let timer: NodeJS.Timeout | undefined;

function pass(): void {
  let mtime = seen;
  try {
    mtime = statSync(`${path}-wal`).mtimeMs;
  } catch {
    // no WAL yet
  }
  if (mtime === seen) {
    delay = Math.min(delay * 2, IDLE_MS);
  } else {
    seen = mtime;
    delay = BUSY_MS;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy or an I/O error: the writer's own checkpoint is the fallback
    }
  }
  timer = setTimeout(pass, delay);
}
timer = setTimeout(pass, delay);

port.on('message', (m: string) => {
  if (m !== 'close') return;
  clearTimeout(timer);
  db.close();
  port.postMessage('closed');
});
