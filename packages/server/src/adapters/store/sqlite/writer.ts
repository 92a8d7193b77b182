import { Worker } from 'node:worker_threads';
import { ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import { type FromWriter, fromWire, type ToWriter } from './writer-protocol.js';

interface Waiter {
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** A compiled worker: beside this file in dist/, and in dist/ too when running from src/. */
function workerUrl(file: string): URL {
  const here = new URL(`./${file}`, import.meta.url);
  return import.meta.url.endsWith('.ts') ? new URL(here.href.replace('/src/', '/dist/')) : here;
}

/**
 * Sends appends to the writer thread (`writer-worker.ts`), batched per event-loop turn, and
 * resolves each when the thread reports its commit. Results arrive in commit order, so callers
 * that publish on resolve publish in stream order.
 */
export class AppendWriter {
  readonly #worker: Worker;
  readonly #checkpointer: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #next = 1;
  #batch: Extract<ToWriter, { type: 'append' }>['batch'] = [];
  #scheduled = false;
  #closed: Promise<void> | undefined;
  #failed: Error | undefined;

  constructor(path: string, maxBatch?: number) {
    this.#worker = new Worker(workerUrl('writer-worker.js'), { workerData: { path, maxBatch } });
    this.#checkpointer = new Worker(workerUrl('checkpoint-worker.js'), {
      workerData: { path },
    });
    // A failed checkpointer costs latency, not data: the writer checkpoints on its own.
    this.#checkpointer.on('error', () => {});
    this.#checkpointer.on('message', () => void this.#checkpointer.terminate());
    this.#worker.on('message', (m: FromWriter) => this.#onMessage(m));
    this.#worker.on('error', (e) => this.#fail(e));
    this.#worker.on('exit', (code) => {
      if (code !== 0) this.#fail(new Error(`the SQLite writer thread exited with ${code}`));
    });
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed || this.#failed) {
      return Promise.reject(new ParleyError('unavailable', 'store is closed'));
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#batch.push({ id, input });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#send());
      }
    });
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
        this.#checkpointer.postMessage('close');
      }),
    ]).then(() => {});
    return this.#closed;
  }

  #send(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0 || this.#failed) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#worker.postMessage({ type: 'append', batch } satisfies ToWriter);
  }

  #onMessage(m: FromWriter): void {
    if (m.type === 'done') {
      for (const r of m.results) {
        const w = this.#waiting.get(r.id);
        if (!w) continue;
        this.#waiting.delete(r.id);
        if (r.result) w.resolve(r.result);
        else w.reject(fromWire(r.error ?? { code: 'internal', message: 'no result' }));
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
