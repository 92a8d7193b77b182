/**
 * Topic-based change notification for React's useSyncExternalStore: each topic has a version
 * that changes whenever something under it changed.
 */
export class Signals {
  readonly #versions = new Map<string, number>();
  readonly #listeners = new Map<string, Set<() => void>>();

  version(topic: string): number {
    return this.#versions.get(topic) ?? 0;
  }

  bump(topic: string): void {
    this.#versions.set(topic, this.version(topic) + 1);
    for (const fn of this.#listeners.get(topic) ?? []) fn();
  }

  subscribe(topic: string, fn: () => void): () => void {
    let set = this.#listeners.get(topic);
    if (!set) {
      set = new Set();
      this.#listeners.set(topic, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }
}
