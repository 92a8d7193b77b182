import type { ClientSpec, Layout } from '../types.js';

/**
 * Lays clients out over conversations: conversation c holds sockets c*clientsPerConv ..
 * (c+1)*clientsPerConv-1; the first sendersPerConv of them send; consecutive groups of
 * socketsPerUser sockets share an account (`users[c * usersPerConv + u]`).
 */
export function layoutClients(
  layout: Layout,
  convIds: string[],
  users?: { id: string; token: string }[],
): ClientSpec[] {
  const usersPerConv = layout.clientsPerConv / layout.socketsPerUser;
  const clients: ClientSpec[] = [];
  for (let c = 0; c < layout.convs; c++) {
    for (let j = 0; j < layout.clientsPerConv; j++) {
      const idx = c * layout.clientsPerConv + j;
      const spec: ClientSpec = {
        idx,
        conv: convIds[c]!,
        recipients: layout.clientsPerConv - 1,
        sender: j < layout.sendersPerConv,
      };
      const user = users?.[c * usersPerConv + Math.floor(j / layout.socketsPerUser)];
      if (user) {
        spec.user = user.id;
        spec.token = user.token;
      }
      clients.push(spec);
    }
  }
  return clients;
}

export function totalClients(layout: Layout): number {
  return layout.convs * layout.clientsPerConv;
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
