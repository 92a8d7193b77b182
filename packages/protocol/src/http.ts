/**
 * HTTP API at `/v1/...`: request bodies (validated by these schemas) and response types.
 * Authenticated routes take `Authorization: Bearer <access token>`.
 * Errors answer with the status of the code in the registry and an `ErrorBody`.
 */
import { z } from 'zod';
import { codePoints, LIMITS } from './limits.js';
import type {
  ConvEvent,
  Conversation,
  ConversationMember,
  ConversationRole,
  ConversationView,
  MessageEvent,
  PresenceStatus,
  User,
  Workspace,
  WorkspaceMember,
  WorkspaceRole,
} from './model.js';

const cp = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = codePoints(s.trim());
    return n >= min && n <= max;
  }, `must be ${min}-${max} characters`);
const id = z.string().min(1).max(64);

export const Username = z.string().min(1).max(200);
export const Password = cp(LIMITS.minPassword, LIMITS.maxPassword);
export const Name = cp(1, LIMITS.maxName);

export const RegisterBody = z.object({
  username: Username,
  password: Password,
  display_name: Name.optional(),
  device_name: z.string().max(100).optional(),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({
  username: Username,
  password: z.string().min(1).max(1024),
  device_name: z.string().max(100).optional(),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({ refresh_token: z.string().min(1).max(512) });
export type RefreshBody = z.infer<typeof RefreshBody>;

/** Answer of register, login and refresh. */
export interface Session {
  user: User;
  device_id: string;
  access_token: string;
  /** Lifetime of the access token, in seconds. */
  expires_in: number;
  refresh_token: string;
}

export const UpdateMeBody = z.object({ display_name: Name });

export const CreateWorkspaceBody = z.object({ name: Name });
export const CreateInviteBody = z.object({
  /** Lifetime in seconds (default 7 days); max uses (default unlimited). */
  ttl_s: z
    .number()
    .int()
    .min(60)
    .max(365 * 86400)
    .optional(),
  max_uses: z.number().int().min(1).max(100000).optional(),
});
export interface Invite {
  code: string;
  workspace_id: string;
  expires_at: number;
  max_uses: number | null;
  uses: number;
}
export const SetRoleBody = z.object({ role: z.enum(['admin', 'member']) });

export const CreateConversationBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), user: id }),
  z.object({
    kind: z.literal('group'),
    title: Name,
    members: z.array(id).max(LIMITS.maxGroupInitialMembers).default([]),
  }),
  z.object({
    kind: z.literal('channel'),
    workspace_id: id,
    title: Name,
    is_public: z.boolean().default(true),
  }),
]);
export type CreateConversationBody = z.input<typeof CreateConversationBody>;

export const AddMemberBody = z.object({ user: id });
export const SendMessageBody = z.object({
  cid: z
    .string()
    .min(1)
    .max(LIMITS.maxClientIdChars)
    .regex(/^[\x21-\x7e]+$/),
  text: z.string().min(1),
  reply_to: id.nullish(),
  thread_root: id.nullish(),
});
export const ReadBody = z.object({ seq: z.number().int().min(0) });
export const MuteBody = z.object({ muted: z.boolean() });

export const HistoryQuery = z.object({
  /** Events with seq > after, oldest first. */
  after: z.coerce.number().int().min(0).optional(),
  /** Events with seq < before, newest first in selection but returned oldest first. */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPage).optional(),
  /** Only the replies of this thread root. */
  thread: id.optional(),
});

export interface HistoryPage {
  /** Oldest first. Messages carry their current text, edit and delete state and reactions. */
  events: ConvEvent[];
  /** true when more events exist in the direction asked. */
  more: boolean;
}

export interface WorkspaceList {
  workspaces: Workspace[];
}
export interface WorkspaceMembers {
  members: WorkspaceMember[];
}
export interface ConversationList {
  conversations: ConversationView[];
}
export interface ChannelList {
  channels: (Conversation & { member: boolean })[];
}
export interface ConversationMembers {
  members: ConversationMember[];
}
export interface UserList {
  users: User[];
}
export interface PresenceList {
  presence: { user: string; status: PresenceStatus; last_seen: number }[];
}
export interface SendResult {
  message: MessageEvent;
  dup: boolean;
}
export type { ConversationRole, WorkspaceRole };
