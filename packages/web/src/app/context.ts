import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { ChatStore } from './store.js';

export const StoreContext = createContext<ChatStore | null>(null);

export function useStore(): ChatStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('useStore outside StoreContext');
  return s;
}

/** Re-renders when any of the topics changes; returns a combined version number. */
export function useTopics(...topics: string[]): number {
  const store = useStore();
  const key = topics.join('|');
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for topics
  const subscribe = useCallback(
    (fn: () => void) => {
      const offs = topics.map((t) => store.signals.subscribe(t, fn));
      return () => {
        for (const off of offs) off();
      };
    },
    [store, key],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for topics
  const get = useCallback(
    () => topics.reduce((n, t) => n * 31 + store.signals.version(t), 0),
    [store, key],
  );
  return useSyncExternalStore(subscribe, get);
}
