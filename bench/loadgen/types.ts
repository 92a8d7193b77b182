/** Shapes shared by the coordinator, the workers and the target adapters. */
import type { HistogramData } from './histogram.js';

export type TargetKind = 'parley' | 'raw-ws' | 'socketio' | 'parley-cluster';
/** Run by default; `parley-cluster` (2 nodes + HAProxy + PostgreSQL + NATS) on request. */
export const TARGET_KINDS: readonly TargetKind[] = ['parley', 'raw-ws', 'socketio'];
export const ALL_TARGET_KINDS: readonly TargetKind[] = [...TARGET_KINDS, 'parley-cluster'];
export const isParley = (k: TargetKind) => k === 'parley' || k === 'parley-cluster';

/** How clients are grouped into conversations (rooms). */
export interface Layout {
  convs: number;
  /** Sockets per conversation (a multiple of socketsPerUser). */
  clientsPerConv: number;
  /** Sockets per conversation that send during the steps. */
  sendersPerConv: number;
  /** Sockets that share one account (Parley: one access token for all of them). */
  socketsPerUser: number;
  /** Parley: direct conversations (2 users each) instead of groups. */
  direct: boolean;
}

/** One simulated client socket, as the worker that drives it sees it. */
export interface ClientSpec {
  /** Unique over the run; embedded in each message as the sender, so echoes can be skipped. */
  idx: number;
  /** Conversation id (Parley) or room name (baselines). */
  conv: string;
  /** Sockets other than this one that should receive each message this client sends. */
  recipients: number;
  sender: boolean;
  /** Parley: access token and user id. */
  token?: string;
  user?: string;
}

/** What a driver tells the worker about one socket. */
export interface ConnHandlers {
  /** A message delivered to this socket (its text). */
  onText(text: string): void;
  /** Parley: the server acknowledged the send with this client id. */
  onAck(cid: string): void;
  onError(code: string): void;
  onClose(): void;
}

export interface Conn {
  send(cid: string, text: string): void;
  close(): void;
}

/** The worker side of a target adapter: connect one client (authenticated, joined). */
export interface ClientDriver {
  connect(url: string, client: ClientSpec, handlers: ConnHandlers): Promise<Conn>;
}

/** The coordinator side of a target adapter: accounts and conversations. */
export interface TargetSetup {
  setup(url: string, layout: Layout, log: (msg: string) => void): Promise<ClientSpec[]>;
}

/** Per step, per worker; summed by the coordinator. */
export interface StepReport {
  step: number;
  /** Messages sent in warm-up and measure phases. */
  sentWarm: number;
  sentMeasure: number;
  /** Deliveries the messages sent by this worker should produce. */
  expected: number;
  /** Deliveries received by this worker of messages of this step (any phase). */
  received: number;
  /** ... of measure-phase messages only. */
  receivedMeasure: number;
  /** End-to-end latency (us) of measure-phase deliveries. */
  latency: HistogramData;
  /** Parley: send -> ack (us) of measure-phase sends. */
  ack: HistogramData;
  acked: number;
  /** Sends still not acknowledged at report time. */
  unacked: number;
  errors: Record<string, number>;
  /** Sockets that closed during the step. */
  closes: number;
  /** Worker CPU time (us, user+system) during the measure window. */
  cpuUs: number;
  /** Largest delay (ms) of a send behind its schedule: > a few ms means the generator lagged. */
  maxSendLagMs: number;
  /** Deliveries with a malformed or foreign text. */
  unknown: number;
}

export type WorkerRequest =
  | {
      cmd: 'connect';
      target: TargetKind;
      url: string;
      clients: ClientSpec[];
      concurrency: number;
    }
  | {
      cmd: 'step';
      step: number;
      /** This worker's share of the send rate, msgs/s. */
      rate: number;
      /** Wall-clock start, ms (performance.timeOrigin + performance.now()). */
      startAt: number;
      warmupMs: number;
      measureMs: number;
    }
  | { cmd: 'report'; step: number }
  | { cmd: 'progress'; step: number }
  | { cmd: 'stats' }
  | { cmd: 'close' };

export interface ConnectResult {
  ok: number;
  failed: number;
  errors: string[];
  ms: number;
}
/** Running counts of a step (while draining). */
export interface StepProgress {
  expected: number;
  received: number;
  unacked: number;
}
export interface WorkerStats {
  open: number;
  closes: number;
  rssBytes: number;
  cpuUs: number;
}

/**
 * `performance.timeOrigin` is off from the system clock by a different 0.5-2 ms in each process;
 * measure this process's offset against Date.now() (1 ms steps, sampled uniformly for 20 ms, so
 * the mean truncation is 0.5 ms) once at start.
 */
function clockOffset(): number {
  const until = performance.now() + 20;
  let sum = 0;
  let n = 0;
  while (performance.now() < until) {
    const a = performance.now();
    const d = Date.now();
    const b = performance.now();
    sum += d + 0.5 - (performance.timeOrigin + (a + b) / 2);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}
const OFFSET = clockOffset();

/**
 * Wall clock with sub-millisecond resolution, comparable across processes on this machine:
 * `performance.timeOrigin + performance.now()`, corrected by the offset above.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now() + OFFSET;
}
