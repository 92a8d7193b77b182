import type { Bus, Unsubscribe } from '../ports/bus.js';
import { parseEnvelope, type RealtimePublisher, subjects } from '../services/realtime.js';
import type { Gateway } from './gateway.js';

/**
 * Catch-up after a bus outage. While a node's bus connection is down it drops what it publishes
 * and misses what others publish; storage still has everything. When the connection is back the
 * node tells its own sockets to `resync`, and announces itself on `cluster` so that every other
 * node does the same for its sockets (they may have missed what this node dropped). A node that
 * is itself away when the announcement goes out resyncs on its own reconnect, which comes later.
 *
 * ```ts
 * const stop = catchUpAfterBusOutages(bus, gateway, publisher, nodeId);
 * ```
 */
export function catchUpAfterBusOutages(
  bus: Bus,
  gateway: Gateway,
  publisher: RealtimePublisher,
  nodeId: string,
): Unsubscribe {
  const offStatus = bus.onStatus((connected) => {
    if (!connected) return;
    publisher.busBack(nodeId);
    void gateway.resyncAll();
  });
  const offCluster = bus.subscribe(subjects.cluster, (data) => {
    const { op, arg } = parseEnvelope(data);
    if (op === 'b' && arg !== nodeId) void gateway.resyncAll();
  });
  return () => {
    offStatus();
    offCluster();
  };
}
