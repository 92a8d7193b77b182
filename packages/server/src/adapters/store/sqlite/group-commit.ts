import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { type Appender, DuplicateMessage } from './append.js';
import type { Db, Tx } from './db.js';
import { mapError } from './errors.js';

export type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** Appends in one transaction at most. */
export const DEFAULT_MAX_BATCH = 512;

/** One append in a transaction, and what became of it. */
interface Slot {
  input: AppendInput;
  result: AppendResult | undefined;
  error: unknown;
}

interface Pending extends Slot {
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for appends. Appends are queued and written together in one transaction on the
 * next turn of the event loop (or at once when `maxBatch` are waiting). Each append of a batch
 * runs in its own SAVEPOINT, so a failing append rolls back alone and rejects while the others
 * commit; a batch of one needs none. Every promise settles only after the COMMIT returned,
 * which with synchronous=FULL means durable.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #appender: Appender;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  readonly #batchTx: Tx<(batch: Slot[]) => void>;
  readonly #oneTx: (input: AppendInput, ts: number) => AppendResult;

  readonly #afterCommit: ((appends: number) => void) | undefined;

  /**
   * `afterCommit` runs after each transaction (committed or not) with the number of appends it
   * held, e.g. to wake a checkpointer.
   */
  constructor(
    db: Db,
    appender: Appender,
    maxBatch = DEFAULT_MAX_BATCH,
    afterCommit?: (appends: number) => void,
  ) {
    this.#db = db;
    this.#afterCommit = afterCommit;
    this.#appender = appender;
    this.#maxBatch = maxBatch;
    // Nested better-sqlite3 transactions are savepoints.
    this.#oneTx = db.transaction((input: AppendInput, ts: number) => appender.apply(input, ts));
    this.#batchTx = db.transaction((batch: Slot[]) => this.#applyBatch(batch));
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new ParleyError('unavailable', 'store is closed'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject, result: undefined, error: undefined });
      if (this.#queue.length >= this.#maxBatch) this.flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Writes every queued append now, in one transaction. */
  flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#commit(batch);
    for (const p of batch) {
      if (p.result !== undefined) p.resolve(p.result);
      else p.reject(p.error);
    }
  }

  /**
   * Writes these appends now, in one transaction, and returns their outcomes in order: for a
   * caller that batches on its own (`AppendWriter` committing on the event loop).
   */
  commitNow(inputs: readonly AppendInput[]): Outcome[] {
    const batch = inputs.map((input): Slot => ({ input, result: undefined, error: undefined }));
    this.#commit(batch);
    return batch.map(
      (p): Outcome =>
        p.result !== undefined ? { ok: true, result: p.result } : { ok: false, error: p.error },
    );
  }

  /** Sets each append's result or error; a failed transaction fails every append in it. */
  #commit(batch: Slot[]): void {
    try {
      this.#batchTx.immediate(batch);
    } catch (e) {
      if (e instanceof DuplicateMessage) {
        // Only a lone append lets it out (it has no savepoint, see #applyBatch): its transaction
        // rolled back whole, and the original answers it.
        const only = batch[0]!;
        try {
          only.result = this.#appender.original(e.sender, e.cid);
        } catch (e2) {
          only.error = mapError(e2);
        }
      } else {
        const err = mapError(e);
        for (const p of batch) {
          p.result = undefined;
          p.error = err;
        }
      }
    }
    this.#afterCommit?.(batch.length);
  }

  /** Flushes what is queued and refuses further appends. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #applyBatch(batch: Slot[]): void {
    const ts = Date.now();
    if (batch.length === 1) {
      // Alone in its transaction, an append needs no savepoint of its own (two statements
      // fewer, most commits under light load): whatever it throws rolls back the transaction.
      const p = batch[0]!;
      p.result = this.#appender.apply(p.input, ts);
      return;
    }
    for (const p of batch) {
      try {
        p.result = this.#oneTx(p.input, ts);
      } catch (e) {
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the
        // batch as a whole fails and every append rejects.
        if (!this.#db.inTransaction) throw e;
        if (e instanceof DuplicateMessage) {
          try {
            p.result = this.#appender.original(e.sender, e.cid);
          } catch (e2) {
            if (!this.#db.inTransaction) throw e2;
            p.error = mapError(e2);
          }
        } else {
          p.error = mapError(e);
        }
      }
    }
  }
}
