/** The benchmark scenarios (full and `--quick` smoke-test sizes). */
import type { Layout } from './loadgen/types.js';

export type ScenarioName = 'S1' | 'S2' | 'S3';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['S1', 'S2', 'S3'];

export interface Scenario {
  name: ScenarioName;
  title: string;
  layout: Layout;
  /** Aggregate send rates (msgs/s), one step each; empty for the idle scenario. */
  rates: number[];
  /**
   * Load before the first step, not measured: the server under test reaches the state it runs in
   * for hours (its JIT done with the send path) before any step is measured. Every target gets
   * the same. Null: none.
   */
  prewarm: { rate: number; ms: number } | null;
  warmupMs: number;
  measureMs: number;
  /** After the senders stop: time for late deliveries before loss is counted. */
  drainMs: number;
  /** The drain goes on while deliveries still arrive (a late server), up to this long. */
  maxDrainMs: number;
  /** Idle scenario: how long to hold the connections while measuring. */
  idleMs: number;
  /** Time after the last connect before RSS is read. */
  settleMs: number;
  workers: number;
}

export function scenario(name: ScenarioName, quick: boolean): Scenario {
  const timing = quick
    ? {
        warmupMs: 500,
        measureMs: 2000,
        drainMs: 1000,
        maxDrainMs: 5000,
        idleMs: 2000,
        settleMs: 1000,
      }
    : {
        warmupMs: 2000,
        measureMs: 10_000,
        drainMs: 3000,
        maxDrainMs: 20_000,
        idleMs: 10_000,
        settleMs: 3000,
      };
  switch (name) {
    case 'S1':
      return {
        name,
        title: 'S1 room fan-out: 1,000 clients in 10 rooms of 100, 10 senders per room',
        layout: quick
          ? { convs: 2, clientsPerConv: 10, sendersPerConv: 3, socketsPerUser: 1, direct: false }
          : {
              convs: 10,
              clientsPerConv: 100,
              sendersPerConv: 10,
              socketsPerUser: 1,
              direct: false,
            },
        rates: quick ? [20, 100] : [50, 200, 400, 800],
        // The 50 msgs/s step came first and measured Parley's JIT still compiling its send path
        // (5% of its samples); raw ws, a few functions, was done within its 2 s warm-up.
        prewarm: quick ? null : { rate: 800, ms: 10_000 },
        ...timing,
        workers: 2,
      };
    case 'S2':
      return {
        name,
        title: 'S2 direct messages: 2,000 clients in 1,000 pairs, both sides send',
        layout: quick
          ? { convs: 20, clientsPerConv: 2, sendersPerConv: 2, socketsPerUser: 1, direct: true }
          : { convs: 1000, clientsPerConv: 2, sendersPerConv: 2, socketsPerUser: 1, direct: true },
        rates: quick ? [50, 400] : [500, 2000, 4000, 8000, 16000],
        // As S1's: a step run on its own (`--rates 8000`) measured Parley's first seconds under
        // load, with event-loop stalls of up to 114 ms while its send path compiled.
        prewarm: quick ? null : { rate: 4000, ms: 10_000 },
        ...timing,
        workers: 2,
      };
    case 'S3':
      return {
        name,
        title:
          'S3 idle: 15,000 connected, authenticated clients (1,000 users x 15 sockets), in 500 direct conversations',
        layout: quick
          ? { convs: 10, clientsPerConv: 30, sendersPerConv: 0, socketsPerUser: 15, direct: true }
          : { convs: 500, clientsPerConv: 30, sendersPerConv: 0, socketsPerUser: 15, direct: true },
        rates: [],
        prewarm: null,
        ...timing,
        workers: quick ? 2 : 4,
      };
  }
}

/**
 * The order in which round `round` (1, 2, …) runs the servers' steps: the list turned by one
 * place per round, so that each server runs first in turn.
 */
export function roundOrder<T>(servers: readonly T[], round: number): T[] {
  if (servers.length === 0) return [];
  const turn = (round - 1) % servers.length;
  return [...servers.slice(turn), ...servers.slice(0, turn)];
}
