import type { PubSub, Unsubscribe } from '../ports/bus.js';
import { parseEnvelope, subjects } from '../services/realtime.js';
import { textFrame } from './frame.js';
import type { Session } from './session.js';

interface Sub {
  sessions: Set<Session>;
  unsub: Unsubscribe;
}

export interface HubHooks {
  /** A user's device (or all devices: null) was revoked: close those sessions. */
  onRevoke(session: Session): void;
}

/**
 * The node's local fan-out index. It subscribes to the bus only for what its connected users
 * need (`conv.<id>` of their conversations, `user.<id>`), reference-counted, and writes each
 * frame it receives to the interested sessions — serialized and framed once, the same bytes for all.
 */
export class Hub {
  private convSubs = new Map<string, Sub>();
  private userSubs = new Map<string, Sub>();

  constructor(
    private readonly bus: PubSub,
    private readonly hooks: HubHooks,
  ) {}

  get sessionCount(): number {
    let n = 0;
    for (const s of this.userSubs.values()) n += s.sessions.size;
    return n;
  }

  /** Registers an authenticated session and its conversations. */
  add(s: Session, convIds: Iterable<string>): void {
    this.join(this.userSubs, subjects.user(s.user), s, (data) => this.onUser(s.user, data));
    for (const c of convIds) this.subscribeConv(s, c);
  }

  remove(s: Session): void {
    for (const c of s.convs) this.leave(this.convSubs, subjects.conv(c), s);
    s.convs.clear();
    this.leave(this.userSubs, subjects.user(s.user), s);
  }

  /** Resolves when every subscription made so far is in effect at the broker. */
  flush(): Promise<void> {
    return this.bus.flush();
  }

  sessionsOf(userId: string): Set<Session> {
    return this.userSubs.get(subjects.user(userId))?.sessions ?? new Set();
  }

  all(): Session[] {
    const out: Session[] = [];
    for (const sub of this.userSubs.values()) out.push(...sub.sessions);
    return out;
  }

  /**
   * Brings a session's conversation subscriptions to `convIds` (read from storage after
   * `version` was taken from `s.subsVersion`); a join or leave that arrived over the bus in
   * between is newer than the read, so the session is then left as it is.
   */
  reconcile(s: Session, convIds: Iterable<string>, version: number): void {
    if (s.closed || s.subsVersion !== version) return;
    const want = new Set(convIds);
    for (const c of [...s.convs]) if (!want.has(c)) this.unsubscribeConv(s, c);
    for (const c of want) this.subscribeConv(s, c);
  }

  private subscribeConv(s: Session, conv: string): void {
    if (s.convs.has(conv)) return;
    s.convs.add(conv);
    s.subsVersion++;
    this.join(this.convSubs, subjects.conv(conv), s, (data) => this.onConv(conv, data));
  }

  private unsubscribeConv(s: Session, conv: string): void {
    if (!s.convs.delete(conv)) return;
    s.subsVersion++;
    this.leave(this.convSubs, subjects.conv(conv), s);
  }

  private join(map: Map<string, Sub>, subject: string, s: Session, h: (d: string) => void) {
    let sub = map.get(subject);
    if (!sub) {
      const sessions = new Set<Session>();
      sub = { sessions, unsub: () => {} };
      map.set(subject, sub);
      sub.unsub = this.bus.subscribe(subject, h);
    }
    sub.sessions.add(s);
  }

  private leave(map: Map<string, Sub>, subject: string, s: Session): void {
    const sub = map.get(subject);
    if (!sub) return;
    sub.sessions.delete(s);
    if (sub.sessions.size === 0) {
      map.delete(subject);
      sub.unsub();
    }
  }

  private onConv(conv: string, data: string): void {
    const sub = this.convSubs.get(subjects.conv(conv));
    if (!sub) return;
    const { op, arg, frame } = parseEnvelope(data);
    const buf = textFrame(frame);
    if (op === 'e') {
      const seq = Number(arg);
      for (const s of sub.sessions) {
        if (s.joinedAt !== null) {
          const j = s.joinedAt.get(conv);
          if (j !== undefined) {
            s.joinedAt.delete(conv);
            if (seq <= j) continue; // delivered with the join already
          }
        }
        s.sendFrame(buf);
      }
    } else if (op === 't' || op === 'P') {
      // typing / presence: not echoed to the user it is about
      for (const s of sub.sessions) if (s.user !== arg) s.sendFrame(buf);
    }
  }

  private onUser(userId: string, data: string): void {
    const sub = this.userSubs.get(subjects.user(userId));
    if (!sub) return;
    const { op, arg, frame } = parseEnvelope(data);
    const sessions = [...sub.sessions];
    switch (op) {
      case 'j': {
        // Subscribe, and deliver the join event now: on a cluster bus the subscription may
        // not be in place in time to receive it on the conversation subject.
        const [conv = '', seqText] = arg.split(' ');
        const buf = textFrame(frame);
        for (const s of sessions) {
          if (s.convs.has(conv)) continue; // already receives it on the conversation subject
          this.subscribeConv(s, conv);
          s.joinedAt ??= new Map();
          s.joinedAt.set(conv, Number(seqText));
          s.sendFrame(buf);
        }
        break;
      }
      case 'l':
        for (const s of sessions) this.unsubscribeConv(s, arg);
        break;
      case 'r':
        for (const s of sessions) if (arg === '*' || s.device === arg) this.hooks.onRevoke(s);
        break;
      case 'p': {
        const buf = textFrame(frame);
        for (const s of sessions) s.sendFrame(buf);
        break;
      }
    }
  }
}
