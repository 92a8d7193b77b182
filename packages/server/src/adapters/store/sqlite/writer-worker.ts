/**
 * The writer thread of the SQLite store: owns the append path (group commit, fsync), so that
 * a commit's fsync never blocks the main thread's event loop. Started by `AppendWriter`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Appender } from './append.js';
import { openDatabase, Statements } from './db.js';
import { DEFAULT_MAX_BATCH, GroupCommit } from './group-commit.js';
import { CheckpointTrigger, COMMITTER_AUTOCHECKPOINT_PAGES } from './wal.js';
import {
  type FromWriter,
  type ToWriter,
  toWireResult,
  type WireAppend,
  type WireResult,
} from './writer-protocol.js';

const port = parentPort!;
const { path, maxBatch, signal } = workerData as {
  path: string;
  maxBatch?: number;
  signal: Int32Array;
};
const batchSize = maxBatch ?? DEFAULT_MAX_BATCH;

/**
 * Page cache of this thread's connection: 16 MiB (4,096 pages), which holds the tail pages
 * of the conversation-keyed indexes for thousands of conversations. Not more: when a commit
 * splits a B-tree page, SQLite renumbers the new pages through a page number past 1 GiB, and
 * the end of that transaction then walks every page the cache holds. With 64 MiB that walk
 * cost 7-20 % of the commit's CPU (ADR 0012, `bench/sqlite-cache.ts`).
 */
const WRITER_CACHE_KIB = 16_384;

const db = openDatabase(path);
// The checkpointer thread copies the WAL back as it grows; each commit wakes it when due.
db.pragma(`wal_autocheckpoint = ${COMMITTER_AUTOCHECKPOINT_PAGES}`);
db.pragma(`cache_size = ${-WRITER_CACHE_KIB}`);
const checkpoints = new CheckpointTrigger(path, signal);
const commit = new GroupCommit(db, new Appender(new Statements(db)), batchSize, (n) =>
  checkpoints.afterCommit(n),
);

/**
 * Appends received and not committed yet. Every batch that arrived while the thread was busy
 * (the last fsync) is committed together on the next turn: one transaction per `batchSize`.
 */
let queue: WireAppend[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const all = queue;
  queue = [];
  for (let at = 0; at < all.length; at += batchSize) {
    const batch = all.slice(at, at + batchSize);
    const outcomes = commit.commitNow(batch.map((a) => a[1]));
    const results = outcomes.map((o, i): WireResult => toWireResult(batch[i]![0], o));
    port.postMessage({ type: 'done', results: JSON.stringify(results) } satisfies FromWriter);
  }
}

port.on('message', (m: ToWriter) => {
  if (m.type === 'append') {
    for (const a of JSON.parse(m.batch) as WireAppend[]) queue.push(a);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  } else if (m.type === 'close') {
    flush();
    commit.close();
    checkpoints.close();
    db.close();
    port.postMessage({ type: 'closed' } satisfies FromWriter);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWriter);
