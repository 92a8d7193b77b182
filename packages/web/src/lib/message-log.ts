import type { ConvEvent, MessageEvent } from '@parley/protocol';

/**
 * The loaded messages of one conversation, kept current by its events. History pages carry
 * messages in their current state (text, edits, deletes, reactions), so only their message
 * events are taken; edit, delete and reaction events are applied when they arrive live (after
 * the message they change was loaded). Messages are ordered by seq.
 */
export class MessageLog {
  readonly #byId = new Map<string, MessageEvent>();
  #ordered: MessageEvent[] | null = [];
  /** Lowest seq loaded from history (null: nothing loaded yet). */
  oldestSeq: number | null = null;
  /** Whether older history remains to load. */
  hasMore = true;
  /** Bumped on every change, for React to notice. */
  version = 0;
  /** Highest read marker seen per user (members' read_seq and read events). */
  readonly readers = new Map<string, number>();

  /** Messages in seq order (thread replies included). */
  messages(): MessageEvent[] {
    this.#ordered ??= [...this.#byId.values()].sort((a, b) => a.seq - b.seq);
    return this.#ordered;
  }

  get(id: string): MessageEvent | undefined {
    return this.#byId.get(id);
  }

  /** Adds a page of history (oldest first). */
  addHistory(events: ConvEvent[], more: boolean): void {
    for (const ev of events) {
      if (ev.kind === 'message' && !this.#byId.has(ev.id)) this.#put(ev);
      if (this.oldestSeq === null || ev.seq < this.oldestSeq) this.oldestSeq = ev.seq;
    }
    this.hasMore = more;
    this.#changed();
  }

  /** Adds messages loaded out of band (a thread), leaving the paging state alone. */
  addMessages(events: ConvEvent[]): void {
    for (const ev of events) if (ev.kind === 'message' && !this.#byId.has(ev.id)) this.#put(ev);
    this.#changed();
  }

  /** Applies a live event (or one replayed by sync). */
  apply(ev: ConvEvent): boolean {
    switch (ev.kind) {
      case 'message':
        if (this.#byId.has(ev.id)) return false;
        this.#put(ev);
        break;
      case 'edit':
        return this.#update(ev.target, (m) => ({
          ...m,
          text: ev.text,
          mentions: ev.mentions,
          edited_at: ev.ts,
        }));
      case 'delete':
        return this.#update(ev.target, (m) => ({ ...m, text: '', deleted: true, reactions: {} }));
      case 'reaction':
        return this.#update(ev.target, (m) => ({
          ...m,
          reactions: toggle(m.reactions ?? {}, ev.emoji, ev.sender, ev.on),
        }));
      case 'read':
        return this.setRead(ev.sender, ev.read_seq);
      default:
        return false;
    }
    this.#changed();
    return true;
  }

  /** Moves a user's read marker forward. */
  setRead(user: string, seq: number): boolean {
    if ((this.readers.get(user) ?? -1) >= seq) return false;
    this.readers.set(user, seq);
    this.#changed();
    return true;
  }

  /** Users (other than `me`) whose read marker is at or past `seq`. */
  seenBy(seq: number, me: string): string[] {
    const out: string[] = [];
    for (const [user, read] of this.readers) if (user !== me && read >= seq) out.push(user);
    return out;
  }

  /** Replies of a thread root that are loaded. */
  replies(root: string): MessageEvent[] {
    return this.messages().filter((m) => m.thread_root === root);
  }

  /** Ids of loaded messages with a reply count, for "N replies" under thread roots. */
  replyCounts(): Map<string, number> {
    const n = new Map<string, number>();
    for (const m of this.messages()) {
      if (m.thread_root && !m.deleted) n.set(m.thread_root, (n.get(m.thread_root) ?? 0) + 1);
    }
    return n;
  }

  #put(m: MessageEvent): void {
    this.#byId.set(m.id, m);
    this.#ordered = null;
  }

  #update(id: string, f: (m: MessageEvent) => MessageEvent): boolean {
    const m = this.#byId.get(id);
    if (!m) return false;
    this.#put(f(m));
    this.#changed();
    return true;
  }

  #changed(): void {
    this.version++;
  }
}

function toggle(
  reactions: Record<string, string[]>,
  emoji: string,
  user: string,
  on: boolean,
): Record<string, string[]> {
  const users = (reactions[emoji] ?? []).filter((u) => u !== user);
  if (on) users.push(user);
  const next = { ...reactions };
  if (users.length) next[emoji] = users;
  else delete next[emoji];
  return next;
}
