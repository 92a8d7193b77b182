import {
  codePoints,
  type HistoryPage,
  LIMITS,
  type MessageEvent,
  ParleyError,
} from '@parley/protocol';
import type { Metrics } from '../metrics.js';
import type { AppendInput, AppendResult, Store } from '../ports/store.js';
import { newId } from '../util/ids.js';
import { parseMentions } from '../util/text.js';
import type { ConversationService } from './conversations.js';
import type { RealtimePublisher } from './realtime.js';

export interface SendInput {
  conv: string;
  cid: string;
  text: string;
  reply_to?: string | null | undefined;
  thread_root?: string | null | undefined;
}

export interface SendOutcome {
  message: MessageEvent;
  seq: number;
  dup: boolean;
}

/**
 * Messages and everything that changes them: send (idempotent on the client id), edit, delete
 * (tombstone), reactions, read markers. Every change is appended to the conversation's ordered
 * stream, and published only after the append is durable.
 */
export class MessageService {
  private inFlight = 0;

  /**
   * `maxInFlight`: appends waiting for their commit at most; past it, new changes are refused
   * with a retryable `unavailable` (back-pressure: a client retries after `retry_after_ms`
   * instead of every client waiting behind an ever longer queue).
   */
  constructor(
    private readonly store: Store,
    private readonly conversations: ConversationService,
    private readonly publisher: RealtimePublisher,
    private readonly metrics: Metrics,
    private readonly maxInFlight = 1024,
  ) {}

  /**
   * `memberChecked`: the caller (the gateway's subscription set) already knows membership.
   * `onQueued`: called once the append is queued in the store, in order: a caller that needs
   * only the order of its sends can go on with the next one then, without waiting for the commit.
   */
  async send(
    userId: string,
    input: SendInput,
    memberChecked = false,
    onQueued?: () => void,
  ): Promise<SendOutcome> {
    checkText(input.text);
    if (!memberChecked) await this.conversations.requireMember(input.conv, userId);
    const reply_to = input.reply_to ?? null;
    const thread_root = input.thread_root ?? null;
    if (reply_to) await this.requireMessage(input.conv, reply_to);
    if (thread_root) {
      const root = await this.requireMessage(input.conv, thread_root);
      if (root.thread_root) throw new ParleyError('invalid_frame', 'threads do not nest');
    }
    const mentions = await this.mentions(input.conv, input.text);
    const res = await this.append(
      {
        conv: input.conv,
        sender: userId,
        body: {
          kind: 'message',
          id: newId('m'),
          cid: input.cid,
          text: input.text,
          reply_to,
          thread_root,
          mentions,
        },
      },
      onQueued,
    );
    const ev = res.event as MessageEvent;
    if (!res.dup) this.metrics.messagesIn.inc();
    return { message: ev, seq: ev.seq, dup: res.dup };
  }

  async edit(userId: string, conv: string, id: string, text: string): Promise<number> {
    checkText(text);
    await this.conversations.requireMember(conv, userId);
    const msg = await this.requireMessage(conv, id);
    if (msg.sender !== userId)
      throw new ParleyError('forbidden', 'only the sender edits a message');
    if (msg.deleted) throw new ParleyError('not_found', 'the message was deleted');
    const mentions = await this.mentions(conv, text);
    const res = await this.append({
      conv,
      sender: userId,
      body: { kind: 'edit', target: id, text, mentions },
    });
    return res.event!.seq;
  }

  async delete(userId: string, conv: string, id: string): Promise<number | undefined> {
    await this.conversations.requireMember(conv, userId);
    const msg = await this.requireMessage(conv, id);
    if (msg.sender !== userId && !(await this.conversations.isAdmin(conv, userId))) {
      throw new ParleyError('forbidden', 'only the sender or an admin deletes a message');
    }
    if (msg.deleted) return undefined;
    const res = await this.append({ conv, sender: userId, body: { kind: 'delete', target: id } });
    return res.event!.seq;
  }

  async react(userId: string, conv: string, id: string, emoji: string, on: boolean) {
    if (codePoints(emoji) > LIMITS.maxEmoji || emoji.length === 0) {
      throw new ParleyError('invalid_frame', 'emoji must be 1-32 characters');
    }
    await this.conversations.requireMember(conv, userId);
    const msg = await this.requireMessage(conv, id);
    if (msg.deleted) throw new ParleyError('not_found', 'the message was deleted');
    const has = msg.reactions?.[emoji]?.includes(userId) ?? false;
    if (has === on) return undefined;
    const res = await this.append({
      conv,
      sender: userId,
      body: { kind: 'reaction', target: id, emoji, on },
    });
    return res.event!.seq;
  }

  /** Moves the caller's read marker forward (never back); returns the seq of the read event. */
  async read(userId: string, conv: string, seq: number): Promise<number | undefined> {
    const member = await this.conversations.requireMember(conv, userId);
    const c = await this.store.getConversation(conv);
    const target = Math.min(seq, c?.last_seq ?? 0);
    if (target <= member.read_seq) return undefined;
    const res = await this.append({
      conv,
      sender: userId,
      body: { kind: 'read', read_seq: target },
    });
    return res.event?.seq;
  }

  async history(
    userId: string,
    conv: string,
    q: {
      after?: number | undefined;
      before?: number | undefined;
      limit?: number | undefined;
      thread?: string | undefined;
    },
  ): Promise<HistoryPage> {
    await this.conversations.requireMember(conv, userId);
    const opts: Parameters<Store['history']>[1] = { limit: q.limit ?? LIMITS.defaultPage };
    if (q.after !== undefined) opts.after = q.after;
    if (q.before !== undefined) opts.before = q.before;
    if (q.thread !== undefined) opts.thread = q.thread;
    return this.store.history(conv, opts);
  }

  private async append(input: AppendInput, onQueued?: () => void): Promise<AppendResult> {
    if (this.inFlight >= this.maxInFlight) {
      this.metrics.overloaded.inc();
      throw new ParleyError('unavailable', 'the server is overloaded; retry shortly', 250);
    }
    const t0 = performance.now();
    this.inFlight++;
    let res: AppendResult;
    try {
      const pending = this.store.append(input);
      onQueued?.();
      res = await pending;
    } finally {
      this.inFlight--;
    }
    this.metrics.storeAppend.observe((performance.now() - t0) / 1000);
    if (res.event && !res.dup) this.publisher.event(res.event, res.pos);
    return res;
  }

  private async requireMessage(conv: string, id: string): Promise<MessageEvent> {
    const m = await this.store.getMessage(conv, id);
    if (!m) throw new ParleyError('not_found', 'no such message');
    return m;
  }

  /**
   * Ids of the conversation's members written as @username in the text. Not async: a text
   * without mentions (most) is answered at once, without an async function's frame.
   */
  private mentions(conv: string, text: string): string[] | Promise<string[]> {
    const names = parseMentions(text);
    return names.length === 0 ? [] : this.mentionedIds(conv, names);
  }

  /** Ids of the conversation's members among these usernames. */
  private async mentionedIds(conv: string, names: string[]): Promise<string[]> {
    const users = await Promise.all(names.map((n) => this.store.getUserByUsername(n)));
    const ids: string[] = [];
    for (const u of users) {
      if (u && (await this.store.getMember(conv, u.id))) ids.push(u.id);
    }
    return ids;
  }
}

function checkText(text: string): void {
  if (text.length === 0) throw new ParleyError('invalid_frame', 'text is empty');
  if (codePoints(text) > LIMITS.maxTextCodePoints) throw new ParleyError('message_too_large');
}
