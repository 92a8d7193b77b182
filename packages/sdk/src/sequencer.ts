/** What to do with an event: apply it, drop it as already applied, or sync (a gap before it). */
export type Verdict = 'apply' | 'duplicate' | 'gap';

/**
 * Exactly-once delivery of conversation events by (conv, seq). Seqs are gap-free per
 * conversation, so remembering the highest applied seq per conversation is enough.
 *
 * A live event that skips seqs is a gap: it is not applied (the sync that fills the gap
 * delivers it again, in order). A sync page is the server's ordered record, so it is applied
 * even when it skips seqs (events the user may not see, e.g. before joining).
 *
 * @example
 * const s = new Sequencer();
 * s.observe('c1', 1, true); // 'apply'
 * s.observe('c1', 1, false); // 'duplicate'
 * s.observe('c1', 3, true); // 'gap' -> run sync
 */
export class Sequencer {
  readonly #last = new Map<string, number>();

  observe(conv: string, seq: number, live: boolean): Verdict {
    const last = this.#last.get(conv);
    if (last !== undefined && seq <= last) return 'duplicate';
    if (live && last !== undefined && seq > last + 1) return 'gap';
    this.#last.set(conv, seq);
    return 'apply';
  }

  last(conv: string): number | undefined {
    return this.#last.get(conv);
  }

  clear(): void {
    this.#last.clear();
  }
}
