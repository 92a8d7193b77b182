import { LIMITS, ParleyError, type SyncResultFrame } from '@parley/protocol';
import type { EventStore } from '../ports/store.js';

/**
 * Sync tokens are opaque to clients. Version 1 encodes the store-wide stream position:
 * `p.<pos in base 36>`. (A sharded store will encode one position per shard.)
 */
export function encodeToken(pos: number): string {
  return `p.${pos.toString(36)}`;
}

export function decodeToken(token: string): number {
  const m = /^p\.([0-9a-z]{1,12})$/.exec(token);
  if (!m) throw new ParleyError('invalid_frame', 'the sync token is not one this server issued');
  const pos = Number.parseInt(m[1]!, 36);
  if (!Number.isSafeInteger(pos)) throw new ParleyError('invalid_frame', 'bad sync token');
  return pos;
}

/** Multi-device sync: every change in a user's conversations since a token, paginated. */
export class SyncService {
  constructor(private readonly store: EventStore) {}

  async head(): Promise<string> {
    return encodeToken(await this.store.headPos());
  }

  /** A page of changes since `token` (null: nothing, just the head token). */
  async since(
    userId: string,
    token: string | null | undefined,
    limit: number = LIMITS.defaultPage,
  ): Promise<Omit<SyncResultFrame, 'type' | 'rid'>> {
    if (token == null) return { events: [], token: await this.head(), more: false };
    const page = await this.store.changesSince(userId, decodeToken(token), limit);
    return {
      events: page.events.map((e) => e.event),
      token: encodeToken(page.pos),
      more: page.more,
    };
  }
}
