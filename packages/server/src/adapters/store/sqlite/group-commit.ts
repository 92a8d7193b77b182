import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { type Appender, DuplicateMessage } from './append.js';
import type { Db, Tx } from './db.js';
import { mapError } from './errors.js';

interface Pending {
  input: AppendInput;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
  result: AppendResult | undefined;
  error: unknown;
}

/**
 * Group commit for appends. Appends are queued and written together in one transaction on the
 * next turn of the event loop (or at once when `maxBatch` are waiting). Each append runs in its
 * own SAVEPOINT, so a failing append rolls back alone and rejects while the others commit. Every
 * promise settles only after the COMMIT returned, which with synchronous=FULL means durable.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #appender: Appender;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  readonly #batchTx: Tx<(batch: Pending[]) => void>;
  readonly #oneTx: (input: AppendInput, ts: number) => AppendResult;

  constructor(db: Db, appender: Appender, maxBatch = 512) {
    this.#db = db;
    this.#appender = appender;
    this.#maxBatch = maxBatch;
    // Nested better-sqlite3 transactions are savepoints.
    this.#oneTx = db.transaction((input: AppendInput, ts: number) => appender.apply(input, ts));
    this.#batchTx = db.transaction((batch: Pending[]) => this.#applyBatch(batch));
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
    try {
      this.#batchTx.immediate(batch);
    } catch (e) {
      const err = mapError(e);
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) {
      if (p.result !== undefined) p.resolve(p.result);
      else p.reject(p.error);
    }
  }

  /** Flushes what is queued and refuses further appends. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #applyBatch(batch: Pending[]): void {
    const ts = Date.now();
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
