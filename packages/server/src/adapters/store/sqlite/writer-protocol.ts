import { type ErrorCode, isErrorCode, ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';
import type { Outcome } from './group-commit.js';

/**
 * Messages between the store (main thread) and its writer thread. Batches and results travel
 * as one JSON string each: copying a string between threads is one memcpy, where the structured
 * clone of thousands of small objects cost more than the commit's SQL (ADR 0006).
 */
export type ToWriter =
  | { type: 'append' /** JSON of `WireAppend[]` */; batch: string }
  | { type: 'close' };

export type WireAppend = [id: number, input: AppendInput];

export type WireError = { code: ErrorCode; message: string };

/**
 * An append's outcome. A new message is only `[id, pos, seq, ts]`: the main thread rebuilds its
 * event from the input it sent (`messageEvent`). Anything else (a duplicate, which returns the
 * stored original; other kinds of events) carries its whole result, and a failure its error.
 */
export type WireResult =
  | [id: number, pos: number, seq: number, ts: number]
  | [id: number, result: AppendResult]
  | [id: number, result: null, error: WireError];

export type FromWriter =
  | { type: 'done' /** JSON of `WireResult[]` */; results: string }
  | { type: 'ready' }
  | { type: 'closed' };

export function toWireResult(id: number, o: Outcome): WireResult {
  if (!o.ok) return [id, null, toWire(o.error)];
  const { event, pos, dup } = o.result;
  if (event?.kind === 'message' && !dup) return [id, pos, event.seq, event.ts];
  return [id, o.result];
}

export function toWire(e: unknown): WireError {
  if (e instanceof ParleyError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(e: WireError): ParleyError {
  return new ParleyError(isErrorCode(e.code) ? e.code : 'internal', e.message);
}
