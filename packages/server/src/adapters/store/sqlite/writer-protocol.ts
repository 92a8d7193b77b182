import { type ErrorCode, isErrorCode, ParleyError } from '@parley/protocol';
import type { AppendInput, AppendResult } from '../../../ports/store.js';

/** Messages between the store (main thread) and its writer thread. */
export type ToWriter =
  | { type: 'append'; batch: { id: number; input: AppendInput }[] }
  | { type: 'close' };

export type WireError = { code: ErrorCode; message: string };

export type FromWriter =
  | {
      type: 'done';
      results: { id: number; result?: AppendResult; error?: WireError }[];
    }
  | { type: 'ready' }
  | { type: 'closed' };

export function toWire(e: unknown): WireError {
  if (e instanceof ParleyError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(e: WireError): ParleyError {
  return new ParleyError(isErrorCode(e.code) ? e.code : 'internal', e.message);
}
