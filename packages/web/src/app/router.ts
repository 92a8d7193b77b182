import { useSyncExternalStore } from 'react';

/** Where the app is: the path decides (the server answers index.html for every app path). */
export type Route =
  | { name: 'home' }
  | { name: 'conv'; id: string }
  | { name: 'invite'; code: string };

export function parseRoute(path: string): Route {
  const conv = /^\/c\/([^/]+)\/?$/.exec(path);
  if (conv) return { name: 'conv', id: decodeURIComponent(conv[1]!) };
  const inv = /^\/invite\/([^/]+)\/?$/.exec(path);
  if (inv) return { name: 'invite', code: decodeURIComponent(inv[1]!) };
  return { name: 'home' };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const fn of listeners) fn();
});

export function navigate(path: string, replace = false): void {
  if (location.pathname === path) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const fn of listeners) fn();
}

export function useRoute(): Route {
  const path = useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => location.pathname,
  );
  return parseRoute(path);
}

export const convPath = (id: string) => `/c/${encodeURIComponent(id)}`;
