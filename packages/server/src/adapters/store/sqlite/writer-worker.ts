/**
 * The writer thread of the SQLite store: owns the append path (group commit, fsync), so that
 * a commit's fsync never blocks the main thread's event loop. Started by `AppendWriter`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Appender } from './append.js';
import { openDatabase, Statements } from './db.js';
import { GroupCommit } from './group-commit.js';
import { CheckpointTrigger, COMMITTER_AUTOCHECKPOINT_PAGES } from './wal.js';
import { type FromWriter, type ToWriter, toWire } from './writer-protocol.js';

const port = parentPort!;
const { path, maxBatch, signal } = workerData as {
  path: string;
  maxBatch?: number;
  signal: Int32Array;
};
const db = openDatabase(path);
// The checkpointer thread copies the WAL back as it grows; each commit wakes it when due. A
// 64 MiB page cache holds the tail pages of the conversation-keyed indexes that appends write
// (ADR 0004).
db.pragma(`wal_autocheckpoint = ${COMMITTER_AUTOCHECKPOINT_PAGES}`);
db.pragma('cache_size = -65536');
const checkpoints = new CheckpointTrigger(path, signal);
const commit = new GroupCommit(db, new Appender(new Statements(db)), maxBatch, () =>
  checkpoints.afterCommit(),
);

let out: Extract<FromWriter, { type: 'done' }>['results'] = [];
let scheduled = false;
function reply(r: (typeof out)[number]): void {
  out.push(r);
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const results = out;
      out = [];
      port.postMessage({ type: 'done', results } satisfies FromWriter);
    });
  }
}

port.on('message', (m: ToWriter) => {
  if (m.type === 'append') {
    for (const { id, input } of m.batch) {
      commit.append(input).then(
        (result) => reply({ id, result }),
        (e: unknown) => reply({ id, error: toWire(e) }),
      );
    }
  } else if (m.type === 'close') {
    commit.close();
    setImmediate(() => {
      if (out.length > 0) port.postMessage({ type: 'done', results: out } satisfies FromWriter);
      checkpoints.close();
      db.close();
      port.postMessage({ type: 'closed' } satisfies FromWriter);
    });
  }
});
port.postMessage({ type: 'ready' } satisfies FromWriter);
