import { type ConvEvent, LIMITS, ParleyError, type SyncResultFrame } from '@parley/protocol';
import type { EventStore } from '../ports/store.js';

/**
 * Where sync reads from: one stream position per storage shard (a single database is one
 * shard). Positions of different shards are independent; a token holds one per shard.
 */
export interface SyncSource {
  head(): Promise<number[]>;
  since(
    userId: string,
    from: number[],
    limit: number,
  ): Promise<{ events: ConvEvent[]; pos: number[]; more: boolean }>;
}

/** The sync source of a single (unsharded) store. */
export function singleShard(store: EventStore): SyncSource {
  return {
    async head() {
      return [await store.headPos()];
    },
    async since(userId, from, limit) {
      const page = await store.changesSince(userId, from[0] ?? 0, limit);
      return { events: page.events.map((e) => e.event), pos: [page.pos], more: page.more };
    },
  };
}

const B36 = /^[0-9a-z]{1,12}$/;

/**
 * Sync tokens are opaque to clients. One shard: `p.<pos>`; several: `v.<pos0>.<pos1>…`
 * (base 36). A token with fewer positions than there are shards reads the missing ones as 0,
 * which is right for a shard added later: it started empty.
 */
export function encodeToken(pos: number | readonly number[]): string {
  const v = typeof pos === 'number' ? [pos] : pos;
  if (v.length === 1) return `p.${v[0]!.toString(36)}`;
  return `v.${v.map((p) => p.toString(36)).join('.')}`;
}

export function decodeToken(token: string, shards = 1): number[] {
  const [kind, ...parts] = token.split('.');
  if ((kind !== 'p' && kind !== 'v') || parts.length === 0 || parts.length > 1024) {
    throw new ParleyError('invalid_frame', 'the sync token is not one this server issued');
  }
  if (kind === 'p' && parts.length !== 1) throw new ParleyError('invalid_frame', 'bad sync token');
  const v = parts.map((p) => {
    const n = B36.test(p) ? Number.parseInt(p, 36) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new ParleyError('invalid_frame', 'bad sync token');
    return n;
  });
  if (v.length > shards)
    throw new ParleyError('invalid_frame', 'the sync token has too many shards');
  while (v.length < shards) v.push(0);
  return v;
}

/** Multi-device sync: every change in a user's conversations since a token, paginated. */
export class SyncService {
  private shards = 1;

  constructor(private readonly source: SyncSource) {}

  async head(): Promise<string> {
    const h = await this.source.head();
    this.shards = h.length;
    return encodeToken(h);
  }

  /** A page of changes since `token` (null: nothing, just the head token). */
  async since(
    userId: string,
    token: string | null | undefined,
    limit: number = LIMITS.defaultPage,
  ): Promise<Omit<SyncResultFrame, 'type' | 'rid'>> {
    if (token == null) return { events: [], token: await this.head(), more: false };
    if (this.shards === 1) this.shards = (await this.source.head()).length;
    const page = await this.source.since(userId, decodeToken(token, this.shards), limit);
    return { events: page.events, token: encodeToken(page.pos), more: page.more };
  }
}
