import type pg from 'pg';
import { LOCK, transaction } from './db.js';

/**
 * Versioned schema migrations for PostgreSQL. Each pending one runs in order inside one
 * transaction that holds an advisory lock, so nodes migrating at the same start wait for each
 * other and each version is applied once. Never edit a released migration: add a new one.
 *
 * Types: ids and text are `text`; times are milliseconds since the epoch in `bigint`; flags are
 * `boolean`; mentions and non-message event bodies are `jsonb`.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL,
  display_name text NOT NULL,
  password_hash text,
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE devices (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  name text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX devices_user ON devices(user_id);

CREATE TABLE refresh_tokens (
  hash text PRIMARY KEY,
  user_id text NOT NULL,
  device_id text NOT NULL,
  family text NOT NULL,
  expires_at bigint NOT NULL,
  used_at bigint,
  revoked boolean NOT NULL DEFAULT false
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_device ON refresh_tokens(device_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);

CREATE TABLE workspaces (
  id text PRIMARY KEY,
  name text NOT NULL,
  owner text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE workspace_members (
  workspace_id text NOT NULL REFERENCES workspaces(id),
  user_id text NOT NULL,
  role text NOT NULL,
  joined_at bigint NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members(user_id);

CREATE TABLE invites (
  code text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces(id),
  created_by text NOT NULL,
  expires_at bigint NOT NULL,
  max_uses integer,
  uses integer NOT NULL DEFAULT 0
);

CREATE TABLE conversations (
  id text PRIMARY KEY,
  kind text NOT NULL,
  title text NOT NULL,
  workspace_id text,
  is_public boolean NOT NULL,
  created_by text NOT NULL,
  direct_key text UNIQUE,
  created_at bigint NOT NULL,
  last_seq integer NOT NULL DEFAULT 0,
  last_ts bigint NOT NULL DEFAULT 0
);
CREATE INDEX conversations_workspace ON conversations(workspace_id)
  WHERE workspace_id IS NOT NULL;

-- One row per (conversation, user) ever; left_pos is the pos of the leave/remove event while
-- the user is not a member.
CREATE TABLE members (
  conv text NOT NULL REFERENCES conversations(id),
  user_id text NOT NULL,
  role text NOT NULL,
  read_seq integer NOT NULL DEFAULT 0,
  muted boolean NOT NULL DEFAULT false,
  joined_at bigint NOT NULL,
  left_pos bigint,
  PRIMARY KEY (conv, user_id)
);
CREATE INDEX members_user ON members(user_id, left_pos);

-- The ordered stream. pos comes from an identity column; it is commit-ordered because every
-- transaction that writes events holds one advisory lock (docs/adr/0002). Message events keep
-- their content in messages (msg_id), so a delete scrubs it.
CREATE TABLE events (
  pos bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conv text NOT NULL,
  seq integer NOT NULL,
  sender text NOT NULL,
  ts bigint NOT NULL,
  kind text NOT NULL,
  msg_id text,
  body jsonb
);
CREATE UNIQUE INDEX events_conv_seq ON events(conv, seq);
CREATE INDEX events_conv_pos ON events(conv, pos);

-- Current state of every message.
CREATE TABLE messages (
  conv text NOT NULL,
  id text NOT NULL,
  seq integer NOT NULL,
  pos bigint NOT NULL,
  sender text NOT NULL,
  cid text NOT NULL,
  ts bigint NOT NULL,
  text text NOT NULL,
  mentions jsonb NOT NULL,
  reply_to text,
  thread_root text,
  edited_at bigint,
  deleted boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conv, id)
);
CREATE UNIQUE INDEX messages_sender_cid ON messages(sender, cid);
CREATE INDEX messages_conv_seq ON messages(conv, seq);
CREATE INDEX messages_thread ON messages(conv, thread_root, seq) WHERE thread_root IS NOT NULL;

CREATE TABLE reactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conv text NOT NULL,
  msg_id text NOT NULL,
  emoji text NOT NULL,
  user_id text NOT NULL
);
CREATE UNIQUE INDEX reactions_key ON reactions(conv, msg_id, emoji, user_id);
`,
  },
  {
    version: 2,
    name: 'conversation placements (sharding)',
    sql: `
-- Used on the directory shard of a sharded store: which conversation shard holds each
-- conversation. Placement is decided once at creation and never changes; a direct
-- conversation's key is unique here, so two nodes creating it at once pick one shard and id.
CREATE TABLE conversation_placements (
  conv text PRIMARY KEY,
  shard integer NOT NULL,
  direct_key text UNIQUE,
  created_at bigint NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'external identities (OIDC) and one-time tickets',
    sql: `
CREATE TABLE identities (
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id text NOT NULL REFERENCES users(id),
  email text,
  created_at bigint NOT NULL,
  PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_email ON identities(email) WHERE email IS NOT NULL;
CREATE INDEX identities_user ON identities(user_id);

CREATE TABLE tickets (
  id text PRIMARY KEY,
  kind text NOT NULL,
  data text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX tickets_expiry ON tickets(expires_at);
`,
  },
  {
    version: 4,
    name: 'the client-id index keyed by cid first',
    // The same uniqueness, (sender, cid), with cid first: the SDK's cids are UUIDv7, which begin
    // with their time, so new entries land at the index's right edge instead of on one page per
    // sender (ADR 0014). Plain CREATE INDEX: a concurrent build cannot run in a transaction.
    sql: `
CREATE UNIQUE INDEX messages_cid_sender ON messages(cid, sender);
DROP INDEX messages_sender_cid;
`,
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Applies the migrations not applied yet. Idempotent; safe to call at every start, on every
 * node at once. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await transaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK.space, LOCK.migrate]);
    await c.query(`CREATE TABLE IF NOT EXISTS schema_version (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    const { rows } = await c.query<{ v: number }>(
      'SELECT coalesce(max(version), 0)::int AS v FROM schema_version',
    );
    const current = rows[0]?.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
  });
}
