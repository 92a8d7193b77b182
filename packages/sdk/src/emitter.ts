/** A listener for one event of an {@link Emitter}. */
export type Listener<T> = (value: T) => void;

/**
 * A tiny typed event emitter. `M` maps event names to payload types.
 * A listener that throws does not stop the others; its error goes to `onListenerError`.
 *
 * @example
 * const e = new Emitter<{ tick: number }>();
 * const off = e.on('tick', (n) => console.log(n));
 * e.emit('tick', 1);
 * off();
 */
export class Emitter<M> {
  readonly #listeners = new Map<keyof M, Set<Listener<never>>>();
  readonly #onListenerError: (err: unknown, event: keyof M) => void;

  constructor(onListenerError: (err: unknown, event: keyof M) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribe; returns a function that unsubscribes. */
  on<K extends keyof M>(event: K, fn: Listener<M[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(fn as Listener<never>);
    return () => this.off(event, fn);
  }

  /** Subscribe for the next emission only. */
  once<K extends keyof M>(event: K, fn: Listener<M[K]>): () => void {
    const off = this.on(event, (v) => {
      off();
      fn(v);
    });
    return off;
  }

  off<K extends keyof M>(event: K, fn: Listener<M[K]>): void {
    this.#listeners.get(event)?.delete(fn as Listener<never>);
  }

  emit<K extends keyof M>(event: K, value: M[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<M[K]>)(value);
      } catch (err) {
        this.#onListenerError(err, event);
      }
    }
  }

  listenerCount(event: keyof M): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
