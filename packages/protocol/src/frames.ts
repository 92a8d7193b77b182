/**
 * WebSocket frames at `/v1/ws`: JSON text frames discriminated on `type`.
 *
 * Client frames are validated by the zod schemas below (the server rejects anything else with
 * a documented error). Server frames are plain types: the server builds them, the SDK reads them.
 * Every client frame may carry `rid`, a request id the server echoes in its answer
 * (`ack`, `ok`, `sync`, `pong` or `error`).
 */
import { z } from 'zod';
import type { ErrorCode } from './errors.js';
import { codePoints, LIMITS } from './limits.js';
import type { ConvEvent, PresenceStatus } from './model.js';

export const PROTOCOL_VERSION = 1;

const id = z.string().min(1).max(64);
const rid = z.union([z.string().max(64), z.number().int()]).optional();
const text = z
  .string()
  .refine((s) => codePoints(s) <= LIMITS.maxTextCodePoints, { message: 'message_too_large' });
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const AuthFrame = z.object({
  type: z.literal('auth'),
  rid,
  token: z.string().min(1).max(4096),
});
export const PingFrame = z.object({ type: z.literal('ping'), rid });
export const SendFrame = z.object({
  type: z.literal('send'),
  rid,
  conv: id,
  /** Client message id: the same (sender, cid) is one message forever. */
  cid: z
    .string()
    .min(1)
    .max(LIMITS.maxClientIdChars)
    .regex(/^[\x21-\x7e]+$/),
  text: text.refine((s) => s.length > 0, { message: 'empty text' }),
  reply_to: id.nullish(),
  thread_root: id.nullish(),
});
export const EditFrame = z.object({
  type: z.literal('edit'),
  rid,
  conv: id,
  id,
  text: text.refine((s) => s.length > 0, { message: 'empty text' }),
});
export const DeleteFrame = z.object({ type: z.literal('delete'), rid, conv: id, id });
export const ReactFrame = z.object({
  type: z.literal('react'),
  rid,
  conv: id,
  id,
  emoji: z
    .string()
    .min(1)
    .refine((s) => codePoints(s) <= LIMITS.maxEmoji),
  on: z.boolean(),
});
export const ReadFrame = z.object({ type: z.literal('read'), rid, conv: id, seq });
export const TypingFrame = z.object({
  type: z.literal('typing'),
  rid,
  conv: id,
  on: z.boolean().default(true),
});
export const PresenceFrame = z.object({
  type: z.literal('presence'),
  rid,
  status: z.enum(['online', 'away']),
});
export const SyncFrame = z.object({
  type: z.literal('sync'),
  rid,
  /** The token of the last sync page or event the client applied; null: from now. */
  token: z.string().max(1024).nullish(),
  limit: z.number().int().min(1).max(LIMITS.maxPage).optional(),
});

export const ClientFrame = z.discriminatedUnion('type', [
  AuthFrame,
  PingFrame,
  SendFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  ReadFrame,
  TypingFrame,
  PresenceFrame,
  SyncFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameInput = z.input<typeof ClientFrame>;
export type ClientFrameType = ClientFrame['type'];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = ClientFrame.options.map(
  (o) => o.shape.type.value,
);

export type Rid = string | number | undefined;

// --- server frames ------------------------------------------------------------------------------

export interface ReadyFrame {
  type: 'ready';
  rid?: Rid;
  protocol: number;
  user: string;
  device: string;
  /** Heartbeat: the server pings (WebSocket ping) this often; the client may send `ping`. */
  heartbeat_ms: number;
  server_time: number;
  /** Current head of the user's stream: a sync token that means "now". */
  token: string;
}
export interface AckFrame {
  type: 'ack';
  rid?: Rid;
  conv: string;
  cid: string;
  id: string;
  seq: number;
  ts: number;
  /** true when this (sender, cid) was already stored: the original ack is returned. */
  dup: boolean;
}
export interface OkFrame {
  type: 'ok';
  rid?: Rid;
  /** Seq of the event the request appended, when it appended one. */
  seq?: number;
}
export interface EventFrame {
  type: 'event';
  ev: ConvEvent;
  /** A sync token that covers this event and everything before it on this socket. */
  token?: string;
}
export interface SyncResultFrame {
  type: 'sync';
  rid?: Rid;
  events: ConvEvent[];
  /** Resume from here next time. */
  token: string;
  /** true: more changes remain; send `sync` again with `token`. */
  more: boolean;
}
export interface TypingEventFrame {
  type: 'typing';
  conv: string;
  user: string;
  on: boolean;
}
export interface PresenceEventFrame {
  type: 'presence';
  user: string;
  status: PresenceStatus;
  last_seen: number;
}
export interface PongFrame {
  type: 'pong';
  rid?: Rid;
  server_time: number;
}
export interface ErrorFrame {
  type: 'error';
  rid?: Rid;
  code: ErrorCode;
  message: string;
  retry_after_ms?: number;
}
/** Sent before the server closes the socket to drain: reconnect and resume. */
export interface ReconnectFrame {
  type: 'reconnect';
  reason: 'draining';
}

/**
 * Live events may have been missed (the server's link to the cluster bus was down): run `sync`
 * from the stored token now. Events are deduplicated by (conv, seq), so an extra sync is harmless.
 */
export interface ResyncFrame {
  type: 'resync';
}

export type ServerFrame =
  | ReadyFrame
  | AckFrame
  | OkFrame
  | EventFrame
  | SyncResultFrame
  | TypingEventFrame
  | PresenceEventFrame
  | PongFrame
  | ErrorFrame
  | ReconnectFrame
  | ResyncFrame;
export type ServerFrameType = ServerFrame['type'];
