import { randomBytes } from 'node:crypto';
import type { ConversationRole, MessageEvent } from '@parley/protocol';
import { expect } from 'vitest';
import type { AppendResult, EventBody, Store } from '../../../ports/store.js';

/** What the contract's test files get: the store of the running test, and a way to reopen it. */
export interface StoreContext {
  store(): Store;
  /** Opens the database of the running test again; the test must have closed the store. */
  reopen(): Promise<Store>;
}

/** A fresh id (unique across runs, so adapters may share one database between tests). */
export function uid(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Creates n users with fresh usernames; returns their ids. */
export async function makeUsers(s: Store, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = uid('u');
    await s.createUser({ id, username: id, display_name: `User ${i}`, password_hash: null });
    ids.push(id);
  }
  return ids;
}

/** Creates a group with the creator as owner and the others as members; returns its id. */
export async function makeGroup(
  s: Store,
  creator: string,
  others: readonly string[],
  opts: { kind?: 'group' | 'channel'; workspace_id?: string; is_public?: boolean } = {},
): Promise<string> {
  const id = uid('c');
  const members: { user_id: string; role: ConversationRole }[] = [
    { user_id: creator, role: 'owner' },
    ...others.map((user_id) => ({ user_id, role: 'member' as const })),
  ];
  await s.createConversation({
    id,
    kind: opts.kind ?? 'group',
    title: `Title ${id}`,
    workspace_id: opts.workspace_id ?? null,
    is_public: opts.is_public ?? false,
    created_by: creator,
    direct_key: null,
    members,
  });
  return id;
}

export function messageBody(
  text: string,
  opts: { id?: string; cid?: string; thread_root?: string; reply_to?: string } = {},
): EventBody {
  return {
    kind: 'message',
    id: opts.id ?? uid('m'),
    cid: opts.cid ?? uid('cid'),
    text,
    reply_to: opts.reply_to ?? null,
    thread_root: opts.thread_root ?? null,
    mentions: [],
  };
}

/** Appends a message and returns the stored event. */
export async function send(
  s: Store,
  conv: string,
  sender: string,
  text: string,
  opts: { id?: string; cid?: string; thread_root?: string; reply_to?: string } = {},
): Promise<MessageEvent> {
  const r = await s.append({ conv, sender, body: messageBody(text, opts) });
  return asMessage(r);
}

export function asMessage(r: AppendResult): MessageEvent {
  expect(r.event?.kind).toBe('message');
  return r.event as MessageEvent;
}

/** Expects a promise to reject with a ParleyError-like error of the given code. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
