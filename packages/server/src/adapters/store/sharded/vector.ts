import type { ChangesPage, StoredEvent } from '../../../ports/store.js';

/** One stream position per conversation shard, by shard index. */
export type ShardVector = number[];

export interface ShardedChangesPage {
  /** By shard, and by pos within a shard. */
  events: (StoredEvent & { shard: number })[];
  /** Where to resume: each shard's pos after the events returned (its head when none). */
  pos: ShardVector;
  more: boolean;
}

/**
 * Merges one page per shard into a page of at most `limit` events. Shards are taken in order;
 * a shard whose events are cut keeps the pos of its last event returned, so nothing is skipped
 * on the next call; a shard not reached keeps its old position.
 */
export function mergePages(
  since: ShardVector,
  pages: ChangesPage[],
  limit: number,
): ShardedChangesPage {
  const events: ShardedChangesPage['events'] = [];
  const pos = [...since];
  let more = false;
  pages.forEach((page, shard) => {
    const room = limit - events.length;
    const take = page.events.slice(0, Math.max(0, room));
    for (const e of take) events.push({ ...e, shard });
    if (take.length === page.events.length) {
      pos[shard] = page.pos;
      more ||= page.more;
    } else {
      if (take.length > 0) pos[shard] = take[take.length - 1]!.pos;
      more = true;
    }
  });
  return { events, pos, more };
}
