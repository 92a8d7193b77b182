import type { PresenceEventFrame, PresenceList, PresenceStatus } from '@parley/protocol';
import type { PubSub, Unsubscribe } from '../ports/bus.js';
import type { ConversationStore } from '../ports/store.js';
import { subjects } from './realtime.js';

interface Entry {
  status: PresenceStatus;
  last_seen: number;
}

/** Presence is told only to the members of a user's direct and group conversations. */
const PRESENCE_KINDS = new Set(['direct', 'group']);
const MAX_FANOUT_CONVERSATIONS = 500;

export interface PresenceOptions {
  /** How often this node says it is alive (default 10 s); 3 missed beats: it is dead. */
  heartbeatMs?: number;
  now?: () => number;
}

/**
 * Presence: online, away, offline and last seen. Ephemeral: kept in memory and shared between
 * nodes over the bus (`presence` subject), never stored. Each node counts its own sockets per
 * user; a user is online while any socket is online, away while all are away.
 *
 * Nodes send a heartbeat (`! <node> <ts>`) on the same subject. A node that misses three beats
 * (killed, or cut off) is dropped with its users' entries, and the live node with the smallest
 * id tells their peers, so nobody stays "online" on a node that is gone.
 */
export class PresenceService {
  /** Cluster-wide view, per node: user -> node -> entry. */
  private table = new Map<string, Map<string, Entry>>();
  /** This node's sockets per user: [online, away]. */
  private local = new Map<string, { online: number; away: number }>();
  /** Other nodes: when this node last heard from each (its own clock). */
  private beats = new Map<string, number>();
  private unsub: Unsubscribe;
  private timer: NodeJS.Timeout;
  private readonly heartbeatMs: number;
  private readonly now: () => number;

  constructor(
    private readonly bus: PubSub,
    private readonly store: ConversationStore,
    private readonly nodeId: string,
    opts: PresenceOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.unsub = bus.subscribe(subjects.presence, (data) => this.onRemote(data));
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
    this.beat();
  }

  /** Says this node is alive, and drops the nodes that stopped saying so. */
  beat(): void {
    const now = this.now();
    this.bus.publish(subjects.presence, `! ${this.nodeId} ${now}`);
    const dead: string[] = [];
    for (const [node, at] of this.beats) {
      if (now - at > 3 * this.heartbeatMs) dead.push(node);
    }
    for (const node of dead) this.drop(node, this.beats.get(node)!);
  }

  /** A socket of the user came (delta +1) or went (-1) with the given status. */
  change(userId: string, from: PresenceStatus | null, to: PresenceStatus | null): void {
    const c = this.local.get(userId) ?? { online: 0, away: 0 };
    if (from === 'online') c.online--;
    if (from === 'away') c.away--;
    if (to === 'online') c.online++;
    if (to === 'away') c.away++;
    if (c.online + c.away === 0) this.local.delete(userId);
    else this.local.set(userId, c);
    const status: PresenceStatus = c.online > 0 ? 'online' : c.away > 0 ? 'away' : 'offline';
    const before = this.get(userId).status;
    const now = this.now();
    this.bus.publish(subjects.presence, `${userId} ${this.nodeId} ${status} ${now}`);
    this.apply(userId, this.nodeId, status, now);
    const after = this.get(userId);
    // Presence is best effort: a store that is unavailable (or closed on shutdown) skips it.
    if (after.status !== before) this.tell(userId, after).catch(() => {});
  }

  get(userId: string): Entry {
    const nodes = this.table.get(userId);
    let best: Entry = { status: 'offline', last_seen: 0 };
    if (!nodes) return best;
    for (const e of nodes.values()) {
      if (e.status === 'online' || (e.status === 'away' && best.status === 'offline')) {
        best = { status: e.status, last_seen: Math.max(best.last_seen, e.last_seen) };
      } else best.last_seen = Math.max(best.last_seen, e.last_seen);
    }
    return best;
  }

  list(users: string[]): PresenceList {
    return { presence: users.map((u) => ({ user: u, ...this.get(u) })) };
  }

  close(): void {
    clearInterval(this.timer);
    this.unsub();
  }

  /** Marks a dead node's users offline there (last seen: its last beat) and tells peers. */
  private drop(node: string, lastHeard: number): void {
    this.beats.delete(node);
    const teller = [this.nodeId, ...this.beats.keys()].sort()[0] === this.nodeId;
    for (const [user, nodes] of this.table) {
      const e = nodes.get(node);
      if (!e || e.status === 'offline') continue;
      const before = this.get(user).status;
      nodes.set(node, { status: 'offline', last_seen: lastHeard });
      const after = this.get(user);
      if (teller && after.status !== before) this.tell(user, after).catch(() => {});
    }
  }

  private apply(userId: string, node: string, status: PresenceStatus, ts: number): void {
    let nodes = this.table.get(userId);
    if (!nodes) {
      nodes = new Map();
      this.table.set(userId, nodes);
    }
    nodes.set(node, { status, last_seen: ts });
  }

  private onRemote(data: string): void {
    const [user, node, status, ts] = data.split(' ');
    if (!user || !node || node === this.nodeId) return;
    this.beats.set(node, this.now());
    if (user === '!') return;
    if (status !== 'online' && status !== 'away' && status !== 'offline') return;
    this.apply(user, node, status, Number(ts) || this.now());
  }

  private async tell(userId: string, entry: Entry): Promise<void> {
    const frame: PresenceEventFrame = { type: 'presence', user: userId, ...entry };
    const data = `P ${userId}\n${JSON.stringify(frame)}`;
    const convs = (await this.store.conversationIds(userId)).slice(0, MAX_FANOUT_CONVERSATIONS);
    for (const id of convs) {
      const conv = await this.store.getConversation(id);
      if (conv && PRESENCE_KINDS.has(conv.kind)) this.bus.publish(subjects.conv(id), data);
    }
  }
}
