import type {
  ConvEvent,
  EventFrame,
  PresenceEventFrame,
  ResyncFrame,
  TypingEventFrame,
} from '@parley/protocol';
import type { PubSub } from '../ports/bus.js';
import { encodeToken } from './sync.js';

/**
 * The subjects and the tiny envelope Parley sends over the bus. A bus message is one header
 * line and, after a newline, the exact JSON frame that sockets receive (serialized once).
 *
 * On `conv.<id>`:  `e <seq>` (a stored event) · `t <user>` (typing, not echoed to that user).
 * On `user.<id>`:  `j <conv> <seq>` (joined: subscribe, deliver the frame; the same
 *                  event on the conversation subject is then skipped) · `l <conv>` (left:
 *                  unsubscribe) · `r <device|*>` (revoked: close those sockets) · `p` (presence).
 * On `cluster`:    `b <node>` (that node's bus connection is back: every node tells its sockets
 *                  to `resync`, since the node may have dropped publishes while it was away).
 */
export const subjects = {
  conv: (id: string) => `conv.${id}`,
  user: (id: string) => `user.${id}`,
  presence: 'presence',
  cluster: 'cluster',
};

/**
 * The live frame of a stored event. With `token`, the frame carries the sync token of the
 * event's own `pos` and a client may resume from it: that is only sound when every event reaches
 * the socket in `pos` order, i.e. one node publishing in commit order over an order-keeping bus.
 */
export function eventFrame(ev: ConvEvent, pos: number, token = true): string {
  const frame: EventFrame = token
    ? { type: 'event', ev, token: encodeToken(pos) }
    : { type: 'event', ev };
  return JSON.stringify(frame);
}

/** The frame that asks a client to `sync` from its token now (live events may be missing). */
export const RESYNC_FRAME = JSON.stringify({ type: 'resync' } satisfies ResyncFrame);

export interface RealtimeOptions {
  /**
   * Put the event's sync token on live `event` frames (default true). Set false on a cluster
   * bus: events committed by different nodes may reach a socket out of `pos` order, so a live
   * token could skip an event that is still in flight; clients then keep the token of their last
   * `sync` and a resume replays a little more (harmless: clients dedup by (conv, seq)).
   */
  liveTokens?: boolean;
}

/** Publishes what services change to the nodes that have interested sockets. */
export class RealtimePublisher {
  private readonly liveTokens: boolean;

  constructor(
    private readonly bus: PubSub,
    opts: RealtimeOptions = {},
  ) {
    this.liveTokens = opts.liveTokens ?? true;
  }

  /** A stored event, after its transaction is durable. */
  event(ev: ConvEvent, pos: number): void {
    const frame = eventFrame(ev, pos, this.liveTokens);
    const conv = subjects.conv(ev.conv);
    if (ev.kind === 'member' && (ev.action === 'join' || ev.action === 'add')) {
      // Subscribe the new member's sockets first, so they see the conversation's next events.
      this.bus.publish(subjects.user(ev.user), `j ${ev.conv} ${ev.seq}\n${frame}`);
      this.bus.publish(conv, `e ${ev.seq}\n${frame}`);
    } else if (ev.kind === 'member' && (ev.action === 'leave' || ev.action === 'remove')) {
      this.bus.publish(conv, `e ${ev.seq}\n${frame}`);
      this.bus.publish(subjects.user(ev.user), `l ${ev.conv}\n${frame}`);
    } else {
      this.bus.publish(conv, `e ${ev.seq}\n${frame}`);
    }
  }

  typing(conv: string, user: string, on: boolean): void {
    const frame: TypingEventFrame = { type: 'typing', conv, user, on };
    this.bus.publish(subjects.conv(conv), `t ${user}\n${JSON.stringify(frame)}`);
  }

  presence(to: Iterable<string>, frame: PresenceEventFrame): void {
    const data = `p\n${JSON.stringify(frame)}`;
    for (const u of to) this.bus.publish(subjects.user(u), data);
  }

  revoke(userId: string, deviceId: string | null): void {
    this.bus.publish(subjects.user(userId), `r ${deviceId ?? '*'}\n`);
  }

  /** This node's bus connection is back after an outage (see `subjects`). */
  busBack(nodeId: string): void {
    this.bus.publish(subjects.cluster, `b ${nodeId}\n`);
  }
}

/** Splits a bus message into its header and frame. */
export function parseEnvelope(data: string): { op: string; arg: string; frame: string } {
  const nl = data.indexOf('\n');
  const head = nl < 0 ? data : data.slice(0, nl);
  const sp = head.indexOf(' ');
  return {
    op: sp < 0 ? head : head.slice(0, sp),
    arg: sp < 0 ? '' : head.slice(sp + 1),
    frame: nl < 0 ? '' : data.slice(nl + 1),
  };
}
