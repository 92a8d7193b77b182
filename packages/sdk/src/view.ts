import type { ConvEvent, ConversationView, MessageEvent } from '@parley/protocol';

interface ConvState {
  view: ConversationView;
  /** last_seq and read_seq of the snapshot the state was built from. */
  baseSeq: number;
  baseRead: number;
  /** Unread messages with seq <= baseSeq, as of the snapshot (their ids are unknown). */
  baseUnread: number;
  /** Messages by others with seq > baseSeq, not deleted: id -> seq. */
  later: Map<string, number>;
}

/** What applying something changed: whether the list changed; conversations to re-fetch. */
export interface ViewChange {
  changed: boolean;
  refetch: string[];
}

const none = (): ViewChange => ({ changed: false, refetch: [] });

/**
 * The local list of conversations: a snapshot from `GET /v1/conversations` (or one
 * conversation from `GET /v1/conversations/:id`), kept current by applying the events of the
 * stream. Applying is idempotent and in order per conversation: an event at or below
 * `last_seq` is ignored; one beyond `last_seq + 1` (a gap) or of an unknown conversation asks
 * for a re-fetch instead. Unread counts messages by others above my `read_seq` that are not
 * deleted; read events by me (from any device) move `read_seq`.
 *
 * While a fetch is in flight, events of the fetched conversation(s) are buffered and replayed
 * on the snapshot when it arrives, so that nothing that raced with the fetch is lost.
 */
export class LocalView {
  readonly #convs = new Map<string, ConvState>();
  readonly #me: () => string;
  #bufferAll: ConvEvent[] | null = null;
  readonly #buffers = new Map<string, ConvEvent[]>();

  /** `me`: the signed-in user's id. */
  constructor(me: () => string) {
    this.#me = me;
  }

  /** Newest activity first. */
  list(): ConversationView[] {
    return [...this.#convs.values()]
      .map((s) => s.view)
      .sort((a, b) => b.last_ts - a.last_ts || (a.id < b.id ? -1 : 1));
  }

  get(conv: string): ConversationView | undefined {
    return this.#convs.get(conv)?.view;
  }

  clear(): void {
    this.#convs.clear();
    this.#buffers.clear();
    this.#bufferAll = null;
  }

  /** Start a full re-fetch: events are buffered until `finishReset`. */
  beginReset(): void {
    this.#bufferAll ??= [];
  }

  /** Install the list (null: the fetch failed, keep the old state) and replay the buffer. */
  finishReset(list: ConversationView[] | null): ViewChange {
    const buffered = this.#bufferAll ?? [];
    this.#bufferAll = null;
    if (list) {
      this.#convs.clear();
      for (const v of list) this.#install(v);
    }
    const r = this.#replay(buffered);
    // A fresh list is a change for listeners even when it equals the old one: a page that was
    // just reloaded has shown nothing yet.
    return { changed: r.changed || list !== null, refetch: r.refetch };
  }

  /** Start re-fetching one conversation. Returns false if it is being fetched already. */
  beginFetch(conv: string): boolean {
    if (this.#buffers.has(conv)) return false;
    this.#buffers.set(conv, []);
    return true;
  }

  /**
   * Install the fetched conversation ('gone': I am not a member; null: the fetch failed) and
   * replay what arrived meanwhile. An older snapshot than the current state is ignored.
   */
  finishFetch(conv: string, result: ConversationView | 'gone' | null): ViewChange {
    const buffered = this.#buffers.get(conv) ?? [];
    this.#buffers.delete(conv);
    let changed = false;
    if (result === 'gone') {
      changed = this.#convs.delete(conv);
    } else if (result) {
      const cur = this.#convs.get(conv);
      if (!cur || result.last_seq >= cur.view.last_seq) {
        this.#install(result);
        changed = true;
      }
    }
    const r = this.#replay(buffered);
    return { changed: changed || r.changed, refetch: r.refetch };
  }

  /** Apply one event of the stream. */
  apply(ev: ConvEvent): ViewChange {
    if (this.#bufferAll) {
      this.#bufferAll.push(ev);
      return none();
    }
    const buf = this.#buffers.get(ev.conv);
    if (buf) {
      buf.push(ev);
      return none();
    }
    const s = this.#convs.get(ev.conv);
    if (!s) {
      const me = this.#me();
      const leaving = ev.kind === 'member' && ev.user === me && isLeave(ev.action);
      return { changed: false, refetch: leaving ? [] : [ev.conv] };
    }
    if (ev.seq <= s.view.last_seq) return none();
    if (ev.seq > s.view.last_seq + 1) return { changed: false, refetch: [ev.conv] };
    return this.#applyInOrder(s, ev);
  }

  /** My read marker moved (optimistically, or from a read event by me). */
  markRead(conv: string, seq: number): ViewChange {
    const s = this.#convs.get(conv);
    if (!s || seq <= s.view.read_seq) return none();
    s.view = { ...s.view, read_seq: seq };
    const uncertain = s.baseUnread > 0 && seq > s.baseRead && seq < s.baseSeq;
    s.view.unread = unreadOf(s);
    return { changed: true, refetch: uncertain ? [conv] : [] };
  }

  #install(v: ConversationView): void {
    this.#convs.set(v.id, {
      view: { ...v },
      baseSeq: v.last_seq,
      baseRead: v.read_seq,
      baseUnread: v.unread,
      later: new Map(),
    });
  }

  #replay(events: ConvEvent[]): ViewChange {
    const out = none();
    const refetch = new Set<string>();
    for (const ev of events) {
      const r = this.apply(ev);
      out.changed ||= r.changed;
      for (const c of r.refetch) refetch.add(c);
    }
    out.refetch = [...refetch];
    return out;
  }

  #applyInOrder(s: ConvState, ev: ConvEvent): ViewChange {
    const me = this.#me();
    const v: ConversationView = { ...s.view, last_seq: ev.seq, last_ts: ev.ts };
    s.view = v;
    const refetch: string[] = [];
    switch (ev.kind) {
      case 'message':
        v.last_message = ev;
        if (ev.sender !== me && !ev.deleted && ev.seq > v.read_seq) s.later.set(ev.id, ev.seq);
        break;
      case 'edit':
        if (v.last_message?.id === ev.target) {
          v.last_message = { ...v.last_message, text: ev.text, mentions: ev.mentions };
          v.last_message.edited_at = ev.ts;
        }
        break;
      case 'delete':
        if (v.last_message?.id === ev.target) v.last_message = tombstone(v.last_message);
        if (!s.later.delete(ev.target) && s.baseUnread > 0 && v.read_seq < s.baseSeq) {
          refetch.push(ev.conv); // it may have been one of the snapshot's unread messages
        }
        break;
      case 'read':
        if (ev.sender === me) return mergeChange(this.markRead(ev.conv, ev.read_seq), refetch);
        break;
      case 'member':
        if (ev.user === me && isLeave(ev.action)) {
          this.#convs.delete(ev.conv);
          return { changed: true, refetch };
        }
        if (ev.user === me && ev.action === 'role') v.role = ev.role;
        break;
      case 'conversation':
        v.title = ev.title;
        break;
      case 'reaction':
        break;
    }
    v.unread = unreadOf(s);
    return { changed: true, refetch };
  }
}

function unreadOf(s: ConvState): number {
  const r = s.view.read_seq;
  let n = r >= s.baseSeq ? 0 : s.baseUnread;
  for (const seq of s.later.values()) if (seq > r) n++;
  return n;
}

function tombstone(m: MessageEvent): MessageEvent {
  return { ...m, text: '', deleted: true };
}

function isLeave(action: string): boolean {
  return action === 'leave' || action === 'remove';
}

function mergeChange(c: ViewChange, refetch: string[]): ViewChange {
  return { changed: true, refetch: [...c.refetch, ...refetch] };
}
