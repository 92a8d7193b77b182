import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { type Appender, TornAppend } from './append.js';
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
 * next turn of the event loop (or at once when `maxBatch` are waiting). A failing append
 * rolls back alone and rejects while the others commit: a message writes nothing unless it
 * succeeds, and any other append runs in its own SAVEPOINT. Every promise settles only after the
 * COMMIT returned, which with synchronous=FULL means durable.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #appender: Appender;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  readonly #batchTx: Tx<(batch: Slot[], savepoints: boolean) => void>;
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
    this.#batchTx = db.transaction((batch: Slot[], savepoints: boolean) =>
      this.#applyBatch(batch, savepoints),
    );
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
      this.#batchTx.immediate(batch, false);
    } catch (e) {
      if (e instanceof TornAppend && batch.length > 1) {
        // Half a message in the transaction, which rolled back whole: once more, with every
        // append in a savepoint of its own, so that only the torn one fails.
        try {
          this.#batchTx.immediate(batch, true);
        } catch (e2) {
          fail(batch, e2);
        }
      } else {
        fail(batch, e);
      }
    }
    this.#afterCommit?.(batch.length);
  }

  /** Flushes what is queued and refuses further appends. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /**
   * A message writes nothing unless it succeeds (`Appender`), so it needs no savepoint: one
   * that fails fails alone. Other kinds of events each run in a savepoint, as does every append
   * when `savepoints` (the retry after a `TornAppend`). Alone in its transaction, an append
   * takes no savepoint either: whatever it throws rolls back the transaction.
   */
  #applyBatch(batch: Slot[], savepoints: boolean): void {
    const ts = Date.now();
    if (batch.length === 1) {
      const p = batch[0]!;
      p.result = this.#appender.apply(p.input, ts);
      return;
    }
    for (const p of batch) {
      p.result = undefined;
      p.error = undefined;
      const bare = !savepoints && p.input.body.kind === 'message';
      try {
        p.result = bare ? this.#appender.apply(p.input, ts) : this.#oneTx(p.input, ts);
      } catch (e) {
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then the
        // batch as a whole fails and every append rejects.
        if (!this.#db.inTransaction || (bare && e instanceof TornAppend)) throw e;
        p.error = appendError(e);
      }
    }
  }
}

/** The error an append rejects with: for a torn one, what tore it. */
function appendError(e: unknown): unknown {
  return mapError(e instanceof TornAppend ? e.cause : e);
}

/** Every append of a transaction that failed fails with its error. */
function fail(batch: Slot[], e: unknown): void {
  const err = appendError(e);
  for (const p of batch) {
    p.result = undefined;
    p.error = err;
  }
}
