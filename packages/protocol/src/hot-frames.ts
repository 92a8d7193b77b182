/**
 * The client frames a busy socket sends most (`send`, `typing`, `read`, `ping`), checked by hand
 * against the same rules as their zod schemas in `frames.ts`.
 *
 * A zod parse of a `send` frame costs tens of microseconds while the server is warming up or
 * lightly loaded (its code still runs unoptimized then), which is a visible share of a message's
 * cost. This path only ever accepts: for anything it does not take, or that breaks a rule, it
 * answers `undefined` and the caller parses with `ClientFrame`, which gives the documented error
 * (or accepts a valid frame this path leaves to it). `hot-frames.test.ts` checks, over many
 * generated frames, that whatever this path accepts zod accepts too, with the same result.
 */
import type { ClientFrame } from './frames.js';
import { codePoints, LIMITS } from './limits.js';

type Obj = Record<string, unknown>;

/** `rid`: absent, a string of at most 64 characters, or a safe integer. */
function ridOk(v: unknown): boolean {
  return (
    v === undefined ||
    (typeof v === 'string' && v.length <= 64) ||
    (typeof v === 'number' && Number.isSafeInteger(v))
  );
}

/** An id: a string of 1-64 characters. */
function idOk(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 1 && v.length <= 64;
}

/** A client message id: 1-64 printable ASCII characters. */
function cidOk(v: unknown): v is string {
  if (typeof v !== 'string' || v.length < 1 || v.length > LIMITS.maxClientIdChars) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Copies `rid` when the frame has it (zod leaves an absent key absent). */
function withRid<T extends Obj>(out: T, f: Obj): T {
  if ('rid' in f) (out as Obj).rid = f.rid;
  return out;
}

function send(f: Obj): ClientFrame | undefined {
  const { conv, cid, text, reply_to, thread_root } = f;
  if (!idOk(conv) || !cidOk(cid)) return undefined;
  if (typeof text !== 'string' || text.length === 0) return undefined;
  // Most texts are far under the limit in UTF-16 units already; count code points only near it.
  if (text.length > LIMITS.maxTextCodePoints && codePoints(text) > LIMITS.maxTextCodePoints) {
    return undefined;
  }
  if (reply_to != null && !idOk(reply_to)) return undefined;
  if (thread_root != null && !idOk(thread_root)) return undefined;
  const out: Obj = { type: 'send', conv, cid, text };
  if ('reply_to' in f) out.reply_to = reply_to;
  if ('thread_root' in f) out.thread_root = thread_root;
  return withRid(out, f) as ClientFrame;
}

function typing(f: Obj): ClientFrame | undefined {
  const { conv, on } = f;
  if (!idOk(conv)) return undefined;
  if (on !== undefined && typeof on !== 'boolean') return undefined;
  return withRid({ type: 'typing', conv, on: on ?? true }, f) as ClientFrame;
}

function read(f: Obj): ClientFrame | undefined {
  const { conv, seq } = f;
  if (!idOk(conv)) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return withRid({ type: 'read', conv, seq }, f) as ClientFrame;
}

/**
 * The frame, when it is a valid `send`, `typing`, `read` or `ping` (the same object zod would
 * return: unknown keys dropped, defaults filled in); otherwise `undefined`.
 */
export function parseHotFrame(raw: unknown): ClientFrame | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const f = raw as Obj;
  if (!ridOk(f.rid)) return undefined;
  switch (f.type) {
    case 'send':
      return send(f);
    case 'typing':
      return typing(f);
    case 'read':
      return read(f);
    case 'ping':
      return withRid({ type: 'ping' }, f) as ClientFrame;
    default:
      return undefined;
  }
}
