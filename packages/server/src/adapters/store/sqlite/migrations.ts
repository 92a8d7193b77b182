import type { Database } from 'better-sqlite3';

/**
 * Versioned schema migrations. Each entry runs once, in order, in its own transaction, and
 * records its version in `schema_version`. Never edit a released migration: add a new one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX devices_user ON devices(user_id);

CREATE TABLE refresh_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  family TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_device ON refresh_tokens(device_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX workspace_members_user ON workspace_members(user_id);

CREATE TABLE invites (
  code TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  created_by TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  max_uses INTEGER,
  uses INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  workspace_id TEXT,
  is_public INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  direct_key TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_ts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_workspace ON conversations(workspace_id) WHERE workspace_id IS NOT NULL;

-- One row per (conversation, user) ever; left_pos is the pos of the leave/remove event while
-- the user is not a member.
CREATE TABLE members (
  conv TEXT NOT NULL REFERENCES conversations(id),
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  read_seq INTEGER NOT NULL DEFAULT 0,
  muted INTEGER NOT NULL DEFAULT 0,
  joined_at INTEGER NOT NULL,
  left_pos INTEGER,
  PRIMARY KEY (conv, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members(user_id, left_pos);

-- The ordered stream. pos (the rowid) is store-wide and increases in commit order because there
-- is one writer. Message events keep their content in messages (msg_id), so a delete scrubs it.
CREATE TABLE events (
  pos INTEGER PRIMARY KEY,
  conv TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sender TEXT NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  msg_id TEXT,
  body TEXT
);
CREATE UNIQUE INDEX events_conv_seq ON events(conv, seq);
CREATE INDEX events_conv_pos ON events(conv, pos);

-- Current state of every message.
CREATE TABLE messages (
  conv TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  pos INTEGER NOT NULL,
  sender TEXT NOT NULL,
  cid TEXT NOT NULL,
  ts INTEGER NOT NULL,
  text TEXT NOT NULL,
  mentions TEXT NOT NULL,
  reply_to TEXT,
  thread_root TEXT,
  edited_at INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conv, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid);
CREATE INDEX messages_conv_seq ON messages(conv, seq);
CREATE INDEX messages_thread ON messages(conv, thread_root, seq) WHERE thread_root IS NOT NULL;

CREATE TABLE reactions (
  conv TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  emoji TEXT NOT NULL,
  user_id TEXT NOT NULL
);
CREATE UNIQUE INDEX reactions_key ON reactions(conv, msg_id, emoji, user_id);
`,
  },
  {
    version: 2,
    name: 'external identities (OIDC) and one-time tickets',
    sql: `
CREATE TABLE identities (
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  email TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (issuer, subject)
) WITHOUT ROWID;
CREATE INDEX identities_email ON identities(email) WHERE email IS NOT NULL;
CREATE INDEX identities_user ON identities(user_id);

CREATE TABLE tickets (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX tickets_expiry ON tickets(expires_at);
`,
  },
  {
    version: 3,
    name: 'fewer pages written per message: unread and last message read via events(conv, seq)',
    // Every index keyed by conversation dirties one more random page per message (ADR 0003).
    sql: 'DROP INDEX messages_conv_seq;',
  },
  {
    version: 4,
    name: 'fewer pages written per message: no events(conv, pos), no counters on conversations',
    // Within a conversation pos grows with seq (one writer assigns both in the same order), so
    // events(conv, seq) also answers "events after pos P" (a search on seq, see events-read.ts).
    // A conversation's last seq and time are read from events(conv, seq) instead of a row that
    // every append rewrote (ADR 0004).
    sql: `DROP INDEX events_conv_pos;
ALTER TABLE conversations DROP COLUMN last_seq;
ALTER TABLE conversations DROP COLUMN last_ts;`,
  },
  {
    version: 5,
    name: 'fewer pages written per message: messages keyed by id alone',
    // Message ids begin with their time, so a table keyed by id grows at its right edge: a batch
    // of messages to many conversations writes a few adjacent pages instead of one random page
    // per message, as (conv, id) did (ADR 0006). Lookups give both conv and id; id finds the row.
    sql: `CREATE TABLE messages_by_id (
  id TEXT NOT NULL PRIMARY KEY,
  conv TEXT NOT NULL,
  seq INTEGER NOT NULL,
  pos INTEGER NOT NULL,
  sender TEXT NOT NULL,
  cid TEXT NOT NULL,
  ts INTEGER NOT NULL,
  text TEXT NOT NULL,
  mentions TEXT NOT NULL,
  reply_to TEXT,
  thread_root TEXT,
  edited_at INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO messages_by_id (id, conv, seq, pos, sender, cid, ts, text, mentions, reply_to,
  thread_root, edited_at, deleted)
  SELECT id, conv, seq, pos, sender, cid, ts, text, mentions, reply_to, thread_root, edited_at,
    deleted FROM messages ORDER BY id;
DROP TABLE messages;
ALTER TABLE messages_by_id RENAME TO messages;
CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid);
CREATE INDEX messages_thread ON messages(conv, thread_root, seq) WHERE thread_root IS NOT NULL;`,
  },
  {
    version: 6,
    name: 'fewer pages written per message: the client-id index keyed by cid first',
    // The same uniqueness, (sender, cid), with cid first. The SDK's cids are UUIDv7, which begin
    // with their time, so new entries land at the index's right edge: a batch of messages from
    // many senders writes a few adjacent pages instead of one random page per sender, as
    // (sender, cid) did. Other cids cost what they did (ADR 0014).
    sql: `DROP INDEX messages_sender_cid;
CREATE UNIQUE INDEX messages_cid_sender ON messages(cid, sender);`,
  },
];

/** Applies the migrations not applied yet. Idempotent; safe to call at every start. */
export function migrate(db: Database): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const current = db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_version');
  const record = db.prepare(
    'INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)',
  );
  for (const m of MIGRATIONS) {
    // The check is inside the write transaction: a second process migrating at the same time
    // waits (busy_timeout), then sees the version applied and skips it.
    db.transaction(() => {
      if ((current.get() as { v: number }).v >= m.version) return;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }).immediate();
  }
}

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
