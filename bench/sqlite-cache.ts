/**
 * Page-cache benchmark: the CPU of the SQLite append path per commit, on the real schema and the
 * real `Appender`/`GroupCommit`, for several `cache_size`s of the committing connection (ADR 0012).
 *
 *   node bench/dist/sqlite-cache.js [--sizes 2,16,64] [--commits 10000] [--rounds 5] [--batch 8]
 *     [--conversations 1000]
 *
 * Sizes are MiB. The pattern is S2's: each commit holds `batch` messages, each to a random one of
 * `conversations` direct conversations from one of its two members. `synchronous = OFF` here, so
 * that what is measured is SQLite's CPU and not this VM's fsync; a PASSIVE checkpoint runs every
 * 32 commits (about what the checkpointer thread does at 256 waiting pages), outside the timing.
 * Every size starts from a new database and runs the same number of commits; the rounds show how
 * the cost moves as the database (and the page cache) grows.
 * Needs the server built (`npx tsc -b`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  cpuUs,
  type Ids,
  type MessageAppend,
  randomAppend,
  type SeedStore,
  seedDirectPairs,
} from './seed.js';
import { REPO_ROOT } from './servers.js';

interface Db {
  pragma(sql: string): unknown;
  close(): void;
}
interface Modules {
  server: {
    openStore(url: string): Promise<SeedStore & { close(): Promise<void> }>;
  };
  ids: Ids;
  db: { openDatabase(path: string): Db; Statements: new (db: Db) => unknown };
  append: { Appender: new (st: unknown) => unknown };
  commit: {
    GroupCommit: new (
      db: Db,
      appender: unknown,
    ) => { commitNow(inputs: MessageAppend[]): { ok: boolean }[] };
  };
}

function parseArgs(argv: string[]) {
  const opts = { sizes: [2, 16, 64], commits: 10_000, rounds: 5, batch: 8, conversations: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i] ?? '';
    if (a === '--sizes') opts.sizes = v.split(',').filter(Boolean).map(Number);
    else if (a === '--commits') opts.commits = Number(v);
    else if (a === '--rounds') opts.rounds = Number(v);
    else if (a === '--batch') opts.batch = Number(v);
    else if (a === '--conversations') opts.conversations = Number(v);
    else throw new Error(`unknown argument ${a}`);
  }
  const nums = [...opts.sizes, opts.commits, opts.rounds, opts.batch, opts.conversations];
  if (opts.sizes.length === 0 || nums.some((n) => !(n > 0) || !Number.isInteger(n))) {
    throw new Error(
      '--sizes, --commits, --rounds, --batch and --conversations take positive integers',
    );
  }
  return opts;
}

/** A new database with the schema, `n` users in pairs and a direct conversation per pair. */
async function seed(m: Modules, file: string, n: number): Promise<[string, string, string][]> {
  const store = await m.server.openStore(`sqlite:${file}`);
  try {
    return await seedDirectPairs(store, n, 'seed');
  } finally {
    await store.close();
  }
}

/** CPU µs per commit in each round, for one cache size. */
async function runSize(m: Modules, mib: number, opts: ReturnType<typeof parseArgs>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-cache-bench-'));
  const file = path.join(dir, 'parley.db');
  const rounds: { usPerCommit: number; messages: number }[] = [];
  try {
    const pairs = await seed(m, file, opts.conversations);
    const db = m.db.openDatabase(file);
    db.pragma('synchronous = OFF');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`cache_size = ${-1024 * mib}`);
    const commit = new m.commit.GroupCommit(db, new m.append.Appender(new m.db.Statements(db)));
    let messages = 0;
    for (let r = 0; r < opts.rounds; r++) {
      let spent = 0;
      for (let c = 0; c < opts.commits; c++) {
        const batch = Array.from({ length: opts.batch }, () => randomAppend(pairs, m.ids));
        const t0 = cpuUs();
        const out = commit.commitNow(batch);
        spent += cpuUs() - t0;
        if (out.some((o) => !o.ok)) throw new Error('an append failed');
        messages += batch.length;
        if (c % 32 === 31) db.pragma('wal_checkpoint(PASSIVE)');
      }
      rounds.push({ usPerCommit: spent / opts.commits, messages });
      process.stderr.write(
        `[cache ${mib} MiB] round ${r + 1}: ${(spent / opts.commits).toFixed(1)} us CPU per commit of ${opts.batch}, ${messages} messages stored\n`,
      );
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rounds;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dist = (f: string) =>
    import(pathToFileURL(path.join(REPO_ROOT, 'packages/server/dist', f)).href);
  const m: Modules = {
    server: await dist('index.js'),
    ids: await dist('util/ids.js'),
    db: await dist('adapters/store/sqlite/db.js'),
    append: await dist('adapters/store/sqlite/append.js'),
    commit: await dist('adapters/store/sqlite/group-commit.js'),
  };
  const results: [number, { usPerCommit: number; messages: number }[]][] = [];
  for (const mib of opts.sizes) results.push([mib, await runSize(m, mib, opts)]);
  const head = results[0]![1].map((r, i) => `round ${i + 1} (${r.messages} msgs)`);
  const lines = [
    `| cache | ${head.join(' | ')} |`,
    `|--:|${head.map(() => '--:').join('|')}|`,
    ...results.map(
      ([mib, rounds]) =>
        `| ${mib} MiB | ${rounds.map((r) => r.usPerCommit.toFixed(1)).join(' | ')} |`,
    ),
  ];
  process.stdout.write(`CPU µs per commit of ${opts.batch} messages\n\n${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
