/**
 * The checkpointer thread of the SQLite store: copies committed WAL frames back into the
 * database file with PASSIVE checkpoints (which never wait for, nor block, the writer), so that
 * commits rarely pay for a checkpoint themselves (ADR 0004). Started by `AppendWriter`.
 *
 * It sleeps in `Atomics.wait` until a committing thread sees at least `CHECKPOINT_MIN_PAGES`
 * waiting and wakes it (ADR 0005): no timer, so an idle or lightly loaded store costs no CPU
 * here. The writer keeps a higher `wal_autocheckpoint` as the fallback that lets the WAL start
 * over under sustained load.
 */
import { workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { CHECKPOINT_MIN_PAGES, Slot, WalFrames } from './wal.js';

const { path, signal } = workerData as { path: string; signal: Int32Array };
const db = openDatabase(path);
db.pragma('wal_autocheckpoint = 0');
const frames = new WalFrames(path);
/** Pause before another pass when the last one copied nothing (a reader holds old frames). */
const STUCK_PAUSE_MS = 10;

// Stop is looked at after Wake drops and before sleeping: `stopCheckpointer` sets Stop before
// Wake, so either this sees Stop, or the wait sees Wake raised and returns at once.
/** nBackfill after the previous pass while still behind (-1: the first pass of a wake-up). */
let lastBackfilled = -1;
while (Atomics.load(signal, Slot.Stop) === 0) {
  Atomics.wait(signal, Slot.Wake, 0);
  if (Atomics.load(signal, Slot.Stop) === 1) break;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or an I/O error: the writer's own checkpoint is the fallback
  }
  if (frames.waiting() >= CHECKPOINT_MIN_PAGES) {
    // Still behind: another pass, at once unless this one made no progress.
    if (frames.backfilled === lastBackfilled) Atomics.wait(signal, Slot.Stop, 0, STUCK_PAUSE_MS);
    lastBackfilled = frames.backfilled;
    continue;
  }
  lastBackfilled = -1;
  // Sleep again. The flag drops before one more look, so a commit in between is not missed.
  Atomics.store(signal, Slot.Wake, 0);
  if (frames.waiting() >= CHECKPOINT_MIN_PAGES) Atomics.store(signal, Slot.Wake, 1);
}
frames.close();
db.close();
