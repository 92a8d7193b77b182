/** The part of the Web Storage API (`localStorage`, `sessionStorage`) the SDK uses. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** `globalThis.localStorage`, or an error that says it is missing (e.g. in Node). */
export function defaultWebStorage(): WebStorageLike {
  const ls = (globalThis as { localStorage?: WebStorageLike }).localStorage;
  if (!ls) throw new Error('localStorage is not available here; pass a WebStorageLike');
  return ls;
}

/** JSON.parse that answers `fallback` for missing or corrupt data. */
export function readJson<T>(storage: WebStorageLike, key: string, fallback: T): T {
  const raw = storage.getItem(key);
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}
