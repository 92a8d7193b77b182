import type { Signals } from './signal.js';

/** How long a typing signal lasts without a refresh. */
export const TYPING_TTL_MS = 6000;
/** How often the composer repeats "I am typing". */
export const TYPING_REPEAT_MS = 3000;

/** Who is typing where (topic 'typing'). Entries expire unless refreshed. */
export class TypingTracker {
  readonly #byConv = new Map<string, Map<string, number>>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly signals: Signals) {}

  set(conv: string, user: string, on: boolean, now = Date.now()): void {
    let m = this.#byConv.get(conv);
    if (!m) {
      m = new Map();
      this.#byConv.set(conv, m);
    }
    const had = m.has(user);
    if (on) m.set(user, now + TYPING_TTL_MS);
    else m.delete(user);
    if (had !== on) this.signals.bump('typing');
    this.#schedule();
  }

  /** Users typing in a conversation, in the order they started. */
  users(conv: string, now = Date.now()): string[] {
    const m = this.#byConv.get(conv);
    if (!m) return [];
    return [...m].filter(([, exp]) => exp > now).map(([u]) => u);
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const now = Date.now();
      let changed = false;
      let left = false;
      for (const m of this.#byConv.values()) {
        for (const [u, exp] of m) {
          if (exp <= now) {
            m.delete(u);
            changed = true;
          } else left = true;
        }
      }
      if (changed) this.signals.bump('typing');
      if (left) this.#schedule();
    }, 1000);
  }
}
