import { Worker } from 'node:worker_threads';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { messageEvent } from '../rows.js';
import type { Appender } from './append.js';
import type { Db } from './db.js';
import { GroupCommit } from './group-commit.js';
import { INLINE_BUDGET, type InlineBudget, InlineBudgetMeter } from './inline-budget.js';
import {
  CheckpointTrigger,
  COMMITTER_AUTOCHECKPOINT_PAGES,
  newSignal,
  stopCheckpointer,
} from './wal.js';
import {
  type FromWriter,
  fromWire,
  type ToWriter,
  type WireAppend,
  type WireResult,
} from './writer-protocol.js';

/** An append waiting for its commit: queued in `#batch`, then found by id in `#waiting`. */
interface Waiter {
  id: number;
  input: AppendInput;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** A compiled worker: beside this file in dist/, and in dist/ too when running from src/. */
function workerUrl(file: string): URL {
  const here = new URL(`./${file}`, import.meta.url);
  return import.meta.url.endsWith('.ts') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

/**
 * Appends from different senders arriving less than this apart on average (over the last
 * `LINGER_GAPS`) mean load: 500 a second or more. Under load no batch commits on the event loop,
 * whatever the budget (ADR 0015): the event loop is then the busiest thread, an inline commit
 * holds it for the fsync (4-10 ms on a disk that is also checkpointing), and the hand-off's cost
 * is shared by the batch.
 */
export const BUSY_GAP_MS = 2;

/**
 * A batch this large goes to the writer thread at once, in the middle of the event loop's turn,
 * instead of at its end (ADR 0015). A turn that reads thousands of sends (a backlog after a
 * stall) then overlaps their commits with its own work, instead of committing them all after
 * it and answering them a turn later still.
 */
export const POST_AT_APPENDS = 64;

/**
 * The longest a batch waits for more appends before it commits, and the load at which it starts
 * to: appends from different senders arriving closer together than this on average (ADR 0010,
 * 0011, 0017). 0: never wait.
 */
export const COMMIT_LINGER_MS = 10;

/**
 * A batch that waits waits for about this many more appends: `LINGER_COMPANY` times the mean gap
 * between the last appends, at least `LINGER_MIN_MS` and at most the linger (ADR 0017). So at
 * 200 appends a second it waits 10 ms, at 400 5 ms, at 800 3 ms, from ~1,000 on 2 ms: below that
 * the commit's fixed cost is shared by about three appends, for as little latency as that takes.
 */
export const LINGER_COMPANY = 2;

/**
 * The least a batch that waits waits, ms: above ~1,000 appends a second two gaps are under a
 * millisecond, and batches that short cost more CPU per append than they save latency (S2 at
 * 2,000-8,000 msgs/s used 15-20 % more CPU per message with 1 ms than with 2 ms; ADR 0017).
 */
export const LINGER_MIN_MS = 2;

/**
 * Appends whose mean gap decides whether company is likely within the linger (ADR 0011): the
 * last three gaps, so that two appends close together in a slow stream do not count as busy.
 */
const LINGER_GAPS = 3;

/**
 * Commits appends, batched per event-loop turn, and resolves each once its commit returned
 * (durable). Under light load a batch commits right here on the event loop, on the store's own
 * connection: a thread hand-off costs more CPU than the commit itself then. Once commits would
 * take more than the budget allows (`INLINE_BUDGET`), batches go to the writer thread
 * (`writer-worker.ts`) so that fsyncs stop blocking the event loop. A batch commits inline only
 * while the writer has nothing in flight, so results still settle in commit order, and callers
 * that publish on resolve publish in stream order.
 */
export class AppendWriter {
  readonly #worker: Worker;
  readonly #checkpointer: Worker;
  readonly #signal = newSignal();
  readonly #inline: GroupCommit | undefined;
  readonly #checkpoints: CheckpointTrigger;
  readonly #waiting = new Map<number, Waiter>();
  #next = 1;
  #batch: Waiter[] = [];
  #scheduled = false;
  /** Appends sent to the writer thread whose results have not come back. */
  #inFlight = 0;
  readonly #budget: InlineBudgetMeter;
  #closed: Promise<void> | undefined;
  #failed: Error | undefined;
  readonly #lingerMs: number;
  readonly #busyGapMs: number;
  /** When the last `LINGER_GAPS` appends arrived (a ring), and who sent the last one. */
  readonly #arrivals = new Array<number>(LINGER_GAPS).fill(Number.NEGATIVE_INFINITY);
  #arrival = 0;
  #lastSender = '';
  /** Whether the last append came under load (`BUSY_GAP_MS`): no inline commit then. */
  #busy = false;
  /** Batches committed on the event loop and handed to the writer thread, since start. */
  readonly batches = { inline: 0, thread: 0 };
  /** Transactions the writer thread committed (its `done` messages), since start. */
  #threadCommits = 0;

  /**
   * `inline`: the event loop's own connection and appender, used within `budget` (none, or a
   * budget of 0 ms: every batch goes to the thread). `lingerMs`: see `COMMIT_LINGER_MS`;
   * `busyGapMs`: see `BUSY_GAP_MS`.
   */
  constructor(
    path: string,
    maxBatch?: number,
    inline?: { db: Db; appender: Appender },
    budget: InlineBudget = INLINE_BUDGET,
    lingerMs = COMMIT_LINGER_MS,
    busyGapMs = BUSY_GAP_MS,
  ) {
    this.#budget = new InlineBudgetMeter(budget);
    this.#lingerMs = lingerMs;
    this.#busyGapMs = busyGapMs;
    this.#checkpoints = new CheckpointTrigger(path, this.#signal);
    if (inline) inline.db.pragma(`wal_autocheckpoint = ${COMMITTER_AUTOCHECKPOINT_PAGES}`);
    if (inline && budget.ms > 0) {
      this.#inline = new GroupCommit(inline.db, inline.appender, maxBatch, (n) =>
        this.#checkpoints.afterCommit(n),
      );
    }
    this.#worker = new Worker(workerUrl('writer-worker.js'), {
      workerData: { path, maxBatch, signal: this.#signal },
    });
    this.#checkpointer = new Worker(workerUrl('checkpoint-worker.js'), {
      workerData: { path, signal: this.#signal },
    });
    // A failed checkpointer costs latency, not data: the writer checkpoints on its own.
    this.#checkpointer.on('error', () => {});
    this.#worker.on('message', (m: FromWriter) => this.#onMessage(m));
    this.#worker.on('error', (e) => this.#fail(e));
    this.#worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new Error(`the SQLite writer thread exited with ${code}`));
    });
  }

  /**
   * Transactions (fsyncs) committed on the event loop and on the writer thread, since start. An
   * inline batch is one transaction; the thread commits every batch that reached it during its
   * last fsync in one.
   */
  get commits(): { inline: number; thread: number } {
    return { inline: this.batches.inline, thread: this.#threadCommits };
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed || this.#failed) {
      return Promise.reject(new ParleyError('unavailable', 'store is closed'));
    }
    const id = this.#next++;
    const lingerMs = this.#arrived(input.sender);
    return new Promise((resolve, reject) => {
      const w: Waiter = { id, input, resolve, reject };
      this.#waiting.set(id, w);
      this.#batch.push(w);
      if (this.#batch.length >= POST_AT_APPENDS) {
        this.#post(this.#batch);
        this.#batch = [];
      }
      if (!this.#scheduled) {
        this.#scheduled = true;
        if (lingerMs > 0) setTimeout(() => this.#send(), lingerMs);
        else setImmediate(() => this.#send());
      }
    });
  }

  /**
   * Notes an append's arrival; returns how long a batch it starts should wait for company, ms
   * (0: none). Appends count as load (`#busy`) when they have been arriving less than
   * `BUSY_GAP_MS` apart on average over the last `LINGER_GAPS` and the previous one came from
   * another sender (one client sending in a loop is not load, and never waits for itself). A
   * batch lingers on the same terms with `lingerMs` (another append is likely within the wait),
   * and only while nothing is on the writer thread (whose next batch gathers everything that
   * arrives during its fsync anyway). It waits `LINGER_COMPANY` mean gaps, at least
   * `LINGER_MIN_MS` and at most `lingerMs`. ADR 0010, 0011, 0015, 0017.
   */
  #arrived(sender: string): number {
    const now = performance.now();
    const oldest = this.#arrivals[this.#arrival]!;
    this.#arrivals[this.#arrival] = now;
    this.#arrival = (this.#arrival + 1) % LINGER_GAPS;
    const other = sender !== this.#lastSender;
    this.#lastSender = sender;
    const span = now - oldest;
    this.#busy = other && span < this.#busyGapMs * LINGER_GAPS;
    if (this.#lingerMs <= 0 || !other || span >= this.#lingerMs * LINGER_GAPS) return 0;
    if (this.#inFlight > 0) return 0;
    // Whole milliseconds: Node keeps one timer list per length, so few lengths.
    const wait = Math.max(LINGER_MIN_MS, Math.round((LINGER_COMPANY * span) / LINGER_GAPS));
    return Math.min(this.#lingerMs, wait);
  }

  /** Sends what is queued, waits for every append to finish, stops both threads. */
  close(): Promise<void> {
    this.#closed ??= Promise.all([
      new Promise<void>((resolve) => {
        this.#send();
        if (this.#failed) return resolve();
        this.#worker.once('exit', () => resolve());
        this.#worker.postMessage({ type: 'close' } satisfies ToWriter);
      }),
      new Promise<void>((resolve) => {
        this.#checkpointer.once('exit', () => resolve());
        stopCheckpointer(this.#signal);
      }),
    ]).then(() => this.#checkpoints.close());
    return this.#closed;
  }

  #send(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0 || this.#failed) return;
    const batch = this.#batch;
    this.#batch = [];
    if (
      this.#inFlight === 0 &&
      this.#inline !== undefined &&
      !this.#busy &&
      this.#budget.left(performance.now())
    ) {
      this.#commitInline(batch, this.#inline);
      return;
    }
    this.#post(batch);
  }

  /** Sends a batch to the writer thread. */
  #post(batch: Waiter[]): void {
    this.#inFlight += batch.length;
    this.batches.thread++;
    const wire = batch.map((w): WireAppend => [w.id, w.input]);
    this.#worker.postMessage({ type: 'append', batch: JSON.stringify(wire) } satisfies ToWriter);
  }

  #commitInline(batch: Waiter[], inline: GroupCommit): void {
    const t0 = performance.now();
    const outcomes = inline.commitNow(batch.map((w) => w.input));
    // A slow commit (the disk is busy) counts for more, so that a few end the window.
    this.#budget.charge(performance.now() - t0);
    this.batches.inline++;
    for (let i = 0; i < batch.length; i++) {
      const w = this.#take(batch[i]!.id);
      const o = outcomes[i]!;
      if (!w) continue;
      if (o.ok) w.resolve(o.result);
      else w.reject(o.error);
    }
  }

  /** The waiter of an append, removed from the waiting ones. */
  #take(id: number): Waiter | undefined {
    const w = this.#waiting.get(id);
    this.#waiting.delete(id);
    return w;
  }

  #onMessage(m: FromWriter): void {
    if (m.type === 'done') {
      this.#threadCommits++;
      const results = JSON.parse(m.results) as WireResult[];
      this.#inFlight -= results.length;
      for (const r of results) {
        const w = this.#take(r[0]);
        if (!w) continue;
        if (r.length === 4) {
          const [, pos, seq, ts] = r;
          w.resolve({ event: messageEvent(w.input, seq, ts), pos, dup: false });
        } else if (r[1] !== null) w.resolve(r[1]);
        else w.reject(fromWire(r[2]));
      }
    } else if (m.type === 'closed') {
      void this.#worker.terminate();
    }
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    const err = new ParleyError('unavailable', `storage writer failed: ${e.message}`);
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
  }
}
