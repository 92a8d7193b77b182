import { ParleyError } from '@parley/protocol';
import type pg from 'pg';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { type Appender, DuplicateMessage } from './append.js';
import { LOCK, transaction } from './db.js';
import { isUnavailable, mapError } from './errors.js';

interface Pending {
  input: AppendInput;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
  result: AppendResult | undefined;
  error: unknown;
}

/** Savepoint state inside a batch: none yet, established and clean, or holding an append. */
type Savepoint = 'none' | 'clean' | 'used';

const OPEN_SAVEPOINT: Record<Savepoint, string | null> = {
  none: 'SAVEPOINT a',
  clean: null,
  used: 'RELEASE SAVEPOINT a; SAVEPOINT a',
};

/**
 * Group commit for appends. Appends are queued; one batch at a time is written in one
 * transaction, on the next turn of the event loop (or at once when `maxBatch` are waiting), and
 * what arrives while a batch is in flight forms the next batch. Each append runs in its own
 * SAVEPOINT, so a failing append rolls back alone and rejects while the others commit. Every
 * promise settles only after COMMIT returned (durable with synchronous_commit=on). A batch that
 * fails as a whole (connection lost, COMMIT failed) rejects every append with `unavailable`;
 * retrying is safe because (sender, cid) is idempotent.
 *
 * The transaction holds the append advisory lock, so transactions that write events commit one
 * after another across every node and pos is commit-ordered (docs/adr/0002).
 */
export class GroupCommit {
  readonly #pool: pg.Pool;
  readonly #appender: Appender;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #flight: Promise<void> | null = null;
  #scheduled = false;
  #closed = false;
  /** Runs of messages written in one statement, and those that failed and went one by one. */
  readonly runs = { batched: 0, fallback: 0 };

  constructor(pool: pg.Pool, appender: Appender, maxBatch = 512) {
    this.#pool = pool;
    this.#appender = appender;
    this.#maxBatch = maxBatch;
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new ParleyError('unavailable', 'store is closed'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject, result: undefined, error: undefined });
      this.#kick();
    });
  }

  /** Writes what is queued, refuses further appends, and resolves when all have settled. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flight !== null || this.#queue.length > 0) {
      if (this.#flight === null) this.#start();
      await this.#flight;
    }
  }

  #kick(): void {
    if (this.#flight !== null || this.#scheduled) return;
    if (this.#queue.length >= this.#maxBatch) {
      this.#start();
      return;
    }
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    if (this.#flight !== null || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    this.#flight = this.#run(batch).finally(() => {
      this.#flight = null;
      // What queued meanwhile has waited a whole transaction already: write it now.
      this.#start();
    });
  }

  async #run(batch: Pending[]): Promise<void> {
    try {
      await transaction(this.#pool, (c) => this.#applyBatch(c, batch));
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

  async #applyBatch(c: pg.PoolClient, batch: Pending[]): Promise<void> {
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK.space, LOCK.append]);
    const ts = Date.now();
    let sp: Savepoint = 'none';
    for (let at = 0; at < batch.length; ) {
      // A run of two or more messages goes in one statement; every other append alone.
      let end = at;
      while (end < batch.length && batch[end]!.input.body.kind === 'message') end++;
      if (end - at >= 2) {
        sp = await this.#applyMessages(c, batch.slice(at, end), ts, sp);
        at = end;
      } else {
        sp = await this.#applyOne(c, batch[at]!, ts, sp);
        at++;
      }
    }
  }

  /** One append in its own savepoint. Returns the savepoint's state after it. */
  async #applyOne(c: pg.PoolClient, p: Pending, ts: number, sp: Savepoint): Promise<Savepoint> {
    const open = OPEN_SAVEPOINT[sp];
    if (open !== null) await c.query(open);
    try {
      p.result = await this.#appender.apply(c, p.input, ts);
      return 'used';
    } catch (e) {
      // A lost connection fails the whole batch.
      if (isUnavailable(e)) throw e;
      await c.query('ROLLBACK TO SAVEPOINT a');
      if (e instanceof DuplicateMessage) await this.#original(c, p, e);
      else p.error = mapError(e);
      return 'clean';
    }
  }

  /**
   * A run of messages in one statement, in one savepoint: one round trip for the run instead
   * of two per message. If the statement fails as a whole, the run goes one by one.
   */
  async #applyMessages(
    c: pg.PoolClient,
    run: Pending[],
    ts: number,
    sp: Savepoint,
  ): Promise<Savepoint> {
    const open = OPEN_SAVEPOINT[sp];
    if (open !== null) await c.query(open);
    let out: Awaited<ReturnType<Appender['applyMessages']>>;
    try {
      out = await this.#appender.applyMessages(
        c,
        run.map((p) => p.input),
        ts,
      );
    } catch (e) {
      if (isUnavailable(e)) throw e;
      await c.query('ROLLBACK TO SAVEPOINT a');
      this.runs.fallback++;
      let after: Savepoint = 'clean';
      for (const p of run) after = await this.#applyOne(c, p, ts, after);
      return after;
    }
    this.runs.batched++;
    for (let i = 0; i < run.length; i++) {
      const p = run[i]!;
      const o = out[i];
      if (o === 'dup') {
        // The run is written already: an error here must not roll back to its savepoint, so
        // it fails the whole batch (every append rejects and is retried).
        const { sender, body } = p.input;
        p.result = await this.#appender.original(c, sender, (body as { cid: string }).cid);
      } else if (o === null) {
        p.error = new ParleyError('not_found', `no conversation ${p.input.conv}`);
      } else p.result = o;
    }
    return 'used';
  }

  /** Settles a duplicate with the stored original (read after its savepoint rolled back). */
  async #original(c: pg.PoolClient, p: Pending, dup: DuplicateMessage): Promise<void> {
    try {
      p.result = await this.#appender.original(c, dup.sender, dup.cid);
    } catch (e) {
      if (isUnavailable(e)) throw e;
      p.error = mapError(e);
      await c.query('ROLLBACK TO SAVEPOINT a');
    }
  }
}
