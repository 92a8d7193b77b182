/**
 * What the committing threads and the checkpointer thread share about the WAL (ADR 0005): how
 * many frames wait to be copied back, and the signal that wakes the checkpointer. The
 * checkpointer sleeps in `Atomics.wait` and costs nothing while the WAL is short; a thread that
 * commits looks at the WAL-index header afterwards and wakes it once enough pages wait.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

/** The checkpointer copies once this many pages (1 MiB) wait: small passes, each fsync short. */
export const CHECKPOINT_MIN_PAGES = 256;

/**
 * Appends committed between two looks at the WAL-index header. A look is a `pread` and costs
 * ~18 µs of CPU per commit when commits are far apart (measured at 100 messages a second, each
 * alone in its commit), about what SQLite spends on the append's statements. A batch this large
 * looks at once; lone appends look every 16th commit, so the WAL may pass the checkpointer's
 * threshold by ~100 pages (a commit of one message writes about six).
 */
export const LOOK_EVERY_APPENDS = 16;

/**
 * `wal_autocheckpoint` of the connections that commit appends: they checkpoint themselves only
 * past 16,000 pages (64 MiB), the fallback that lets the WAL start over under load that never
 * pauses (such a checkpoint costs the commit ~10-30 ms). ADR 0004.
 */
export const COMMITTER_AUTOCHECKPOINT_PAGES = 16_000;

/** Slots of the shared signal (an Int32Array over a SharedArrayBuffer). */
export enum Slot {
  /** 1 while a checkpoint is requested or running; the checkpointer waits on it being 0. */
  Wake = 0,
  /** 1 once the store closes: the checkpointer stops. */
  Stop = 1,
}

export function newSignal(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

const le = endianness() === 'LE';

/**
 * Frames in the WAL not yet copied back: mxFrame less nBackfill, read from the WAL-index header
 * in the `-shm` file (https://www.sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at
 * byte 96, in the machine's byte order). One `pread` of 100 bytes.
 */
export class WalFrames {
  readonly #path: string;
  readonly #head = Buffer.alloc(100);
  #fd: number | undefined;
  /** nBackfill as of the last `waiting()`: frames copied back in this WAL generation. */
  backfilled = 0;

  constructor(dbPath: string) {
    this.#path = `${dbPath}-shm`;
  }

  waiting(): number {
    try {
      this.#fd ??= openSync(this.#path, 'r');
      if (readSync(this.#fd, this.#head, 0, 100, 0) < 100) return 0;
    } catch {
      return 0;
    }
    const h = this.#head;
    const mx = le ? h.readUInt32LE(16) : h.readUInt32BE(16);
    this.backfilled = le ? h.readUInt32LE(96) : h.readUInt32BE(96);
    return Math.max(0, mx - this.backfilled);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/**
 * Called by a thread after its commits: wakes the checkpointer once enough pages wait, looking
 * every `LOOK_EVERY_APPENDS` appends.
 */
export class CheckpointTrigger {
  readonly #frames: WalFrames;
  readonly #signal: Int32Array;
  /** Appends committed since the last look. */
  #sinceLook = 0;

  constructor(dbPath: string, signal: Int32Array) {
    this.#frames = new WalFrames(dbPath);
    this.#signal = signal;
  }

  /** `appends`: how many the transaction held. */
  afterCommit(appends: number): void {
    this.#sinceLook += appends;
    if (this.#sinceLook < LOOK_EVERY_APPENDS) return;
    // A checkpoint already requested or running looks again when it ends.
    if (Atomics.load(this.#signal, Slot.Wake) !== 0) return;
    this.#sinceLook = 0;
    if (this.#frames.waiting() < CHECKPOINT_MIN_PAGES) return;
    if (Atomics.compareExchange(this.#signal, Slot.Wake, 0, 1) === 0) {
      Atomics.notify(this.#signal, Slot.Wake);
    }
  }

  close(): void {
    this.#frames.close();
  }
}

/** Tells the checkpointer to stop (it finishes a pass it is in first). */
export function stopCheckpointer(signal: Int32Array): void {
  Atomics.store(signal, Slot.Stop, 1);
  Atomics.store(signal, Slot.Wake, 1);
  Atomics.notify(signal, Slot.Wake);
  Atomics.notify(signal, Slot.Stop);
}
