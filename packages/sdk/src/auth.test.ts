import { ParleyError, type Session } from '@parley/protocol';
import { describe, expect, it, vi } from 'vitest';
import { SessionManager } from './auth.js';
import { MemorySessionStorage, type StoredSession } from './session-storage.js';

let issued = 0;
function session(expiresIn = 900): Session {
  issued++;
  return {
    user: { id: 'u1', username: 'ann', display_name: 'Ann', created_at: 0 },
    device_id: 'd1',
    access_token: `access-${issued}`,
    refresh_token: `refresh-${issued}`,
    expires_in: expiresIn,
  };
}

function setup(refresh: (t: string) => Promise<Session>) {
  let now = 1_000_000;
  const changes: (StoredSession | null)[] = [];
  const storage = new MemorySessionStorage();
  const m = new SessionManager({
    storage,
    refresh,
    now: () => now,
    onChange: (s) => changes.push(s),
  });
  return { m, storage, changes, advance: (ms: number) => (now += ms) };
}

describe('SessionManager', () => {
  it('shares one refresh between concurrent callers', async () => {
    const used: string[] = [];
    const refresh = vi.fn(async (t: string) => {
      used.push(t);
      await new Promise((r) => setTimeout(r, 10));
      return session();
    });
    const { m } = setup(refresh);
    await m.set(session());
    const results = await Promise.all([m.refresh(), m.refresh(), m.refresh()]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(new Set(results.map((r) => r.access_token)).size).toBe(1);
    expect(used).toHaveLength(1);
  });

  it('does not refresh again for a caller holding an access token already replaced', async () => {
    const refresh = vi.fn(async () => session());
    const { m } = setup(refresh);
    const first = await m.set(session());
    const stale = first.access_token;
    await m.refresh(stale); // the first 401
    await m.refresh(stale); // a second request that failed with the same old token
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(m.current?.access_token).not.toBe(stale);
  });

  it('refreshes once, before expiry, for many concurrent token requests', async () => {
    const refresh = vi.fn(async () => session());
    const { m, advance } = setup(refresh);
    const s = await m.set(session(60));
    expect(await m.accessToken()).toBe(s.access_token);
    advance(45_000); // within the 30 s margin
    const tokens = await Promise.all([m.accessToken(), m.accessToken(), m.accessToken()]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(s.access_token);
  });

  it('keeps the sync token across refreshes', async () => {
    const { m } = setup(async () => session());
    await m.set(session());
    await m.setSyncToken('tok-7');
    await m.refresh();
    expect(m.current?.sync_token).toBe('tok-7');
  });

  it('clears the session when the refresh token is dead', async () => {
    const { m, changes } = setup(async () => {
      throw new ParleyError('refresh_token_reused');
    });
    await m.set(session());
    await expect(m.refresh()).rejects.toMatchObject({ code: 'refresh_token_reused' });
    expect(m.current).toBeNull();
    expect(changes.at(-1)).toBeNull();
  });

  it('keeps the session on a transient refresh failure', async () => {
    const { m } = setup(async () => {
      throw new ParleyError('unavailable');
    });
    await m.set(session());
    await expect(m.refresh()).rejects.toMatchObject({ code: 'unavailable' });
    expect(m.current).not.toBeNull();
  });

  it('adopts a token another client sharing the storage rotated already', async () => {
    const refresh = vi.fn(async () => session());
    const { m, storage } = setup(refresh);
    await m.set(session());
    const other = session();
    await storage.save({ ...m.current!, ...other, expires_at: 10_000_000, sync_token: null });
    const r = await m.refresh();
    expect(refresh).not.toHaveBeenCalled();
    expect(r.refresh_token).toBe(other.refresh_token);
  });
});
