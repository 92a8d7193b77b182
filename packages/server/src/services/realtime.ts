import type { ConvEvent, EventFrame, PresenceEventFrame, TypingEventFrame } from '@parley/protocol';
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
 */
export const subjects = {
  conv: (id: string) => `conv.${id}`,
  user: (id: string) => `user.${id}`,
  presence: 'presence',
};

export function eventFrame(ev: ConvEvent, pos: number): string {
  const frame: EventFrame = { type: 'event', ev, token: encodeToken(pos) };
  return JSON.stringify(frame);
}

/** Publishes what services change to the nodes that have interested sockets. */
export class RealtimePublisher {
  constructor(private readonly bus: PubSub) {}

  /** A stored event, after its transaction is durable. */
  event(ev: ConvEvent, pos: number): void {
    const frame = eventFrame(ev, pos);
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
