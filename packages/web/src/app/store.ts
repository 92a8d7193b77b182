import type {
  ConvEvent,
  ConversationMember,
  ConversationView,
  LoginBody,
  RegisterBody,
  Workspace,
} from '@parley/protocol';
import {
  type ConnectionState,
  LocalOutboxStorage,
  LocalSessionStorage,
  type OutboxMessage,
  ParleyClient,
  ParleyError,
  type SendOptions,
} from '@parley/sdk';
import { MessageLog } from '../lib/message-log.js';
import { local } from './local.js';
import { Signals } from './signal.js';
import { TypingTracker } from './typing.js';
import { UserDirectory } from './users.js';

export type AuthState = 'loading' | 'signed-out' | 'signed-in';

/** Errors after which the stored session cannot work any more: sign in again. */
const SESSION_LOST = new Set([
  'unauthenticated',
  'invalid_refresh_token',
  'refresh_token_reused',
  'session_revoked',
  'token_expired',
]);

const PAGE = 100;

/**
 * The app's state around one ParleyClient: session, connection, conversations, workspaces,
 * loaded messages, the outbox, typing and presence. Components read it through `useTopic`
 * (topics: auth, conn, convs, workspaces, outbox, typing, users, presence, log:<conv>,
 * members:<conv>).
 */
export class ChatStore {
  readonly client: ParleyClient;
  readonly signals = new Signals();
  readonly users: UserDirectory;
  readonly typing: TypingTracker;
  auth: AuthState = 'loading';
  /** The session ended on its own (not by signing out). */
  expired = false;
  conn: ConnectionState = 'offline';
  convs: ConversationView[] = [];
  workspaces: Workspace[] = [];
  workspaceId: string | null = local.get('parley.ws');
  readonly outbox = new Map<string, OutboxMessage>();
  readonly #logs = new Map<string, MessageLog>();
  readonly #loading = new Set<string>();
  readonly members = new Map<string, ConversationMember[]>();
  #signingOut = false;

  constructor(baseUrl: string) {
    this.client = new ParleyClient({
      baseUrl,
      storage: new LocalSessionStorage(),
      outboxStorage: new LocalOutboxStorage(),
      deviceName: navigator.userAgent.slice(0, 100),
    });
    this.users = new UserDirectory(this.client, this.signals);
    this.typing = new TypingTracker(this.signals);
    this.#wire();
  }

  get me(): string {
    return this.client.user?.id ?? '';
  }

  // --- session ---------------------------------------------------------------------------

  async start(): Promise<void> {
    // Back from the identity provider: `#oidc_code=…` is a one-time code for a session.
    const code = new URLSearchParams(window.location.hash.slice(1)).get('oidc_code');
    if (code) {
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
      try {
        await this.client.signInWithOidc(code);
        this.#signedIn();
        return;
      } catch {
        // an expired or used code: fall through to the sign-in screen
      }
    }
    const s = await this.client.restore();
    if (s) this.#signedIn();
    else this.#setAuth('signed-out');
  }

  async register(body: RegisterBody): Promise<void> {
    await this.client.register(body);
    this.#signedIn();
  }

  async login(body: LoginBody): Promise<void> {
    await this.client.login(body);
    this.#signedIn();
  }

  async logout(): Promise<void> {
    this.#signingOut = true;
    try {
      await this.client.logout();
    } finally {
      this.#signingOut = false;
    }
    local.clearPrefix('parley.draft.');
    this.#reset();
    this.expired = false;
    this.#setAuth('signed-out');
  }

  #signedIn(): void {
    this.expired = false;
    this.#setAuth('signed-in');
    const u = this.client.user;
    if (u) this.users.add([u]);
    for (const m of this.client.outbox()) this.outbox.set(m.cid, m);
    this.signals.bump('outbox');
    this.convs = this.client.conversations();
    this.signals.bump('convs');
    void this.loadWorkspaces();
    this.connect();
  }

  connect(): void {
    if (this.auth !== 'signed-in') return;
    this.client.connect().then(
      () => this.client.setPresence(document.visibilityState === 'hidden' ? 'away' : 'online'),
      (err: unknown) => {
        if (err instanceof ParleyError && SESSION_LOST.has(err.code)) this.#sessionLost();
      },
    );
  }

  #sessionLost(): void {
    if (this.#signingOut || this.auth !== 'signed-in') return;
    this.client.disconnect();
    this.expired = true;
    this.#reset();
    this.#setAuth('signed-out');
  }

  #reset(): void {
    this.#logs.clear();
    this.members.clear();
    this.outbox.clear();
    this.convs = [];
    this.workspaces = [];
    this.users.clear();
    this.signals.bump('convs');
    this.signals.bump('workspaces');
    this.signals.bump('outbox');
  }

  #setAuth(a: AuthState): void {
    this.auth = a;
    this.signals.bump('auth');
  }

  // --- events from the client ------------------------------------------------------------

  #wire(): void {
    const c = this.client;
    c.on('state', (s) => {
      this.conn = s;
      // Online means resumed: take the fresh list (the SDK does not always emit it after a
      // resume that changed nothing but the snapshot).
      if (s === 'online') {
        this.convs = c.conversations();
        this.signals.bump('convs');
      }
      if (s !== 'online') this.users.resetPresence();
      this.signals.bump('conn');
    });
    c.on('conversations', (list) => {
      this.convs = list;
      this.users.add(list.flatMap((v) => (v.peer ? [v.peer] : [])));
      this.signals.bump('convs');
    });
    c.on('event', (ev) => this.#onEvent(ev));
    c.on('outbox', (m) => {
      if (m.state === 'discarded') this.outbox.delete(m.cid);
      else if (m.state === 'sent' && this.#logs.get(m.conv)?.get(m.id ?? '')) {
        this.outbox.delete(m.cid);
      } else this.outbox.set(m.cid, { ...m });
      this.signals.bump('outbox');
    });
    c.on('typing', (t) => this.typing.set(t.conv, t.user, t.on));
    c.on('session', (s) => {
      if (s === null) this.#sessionLost();
    });
    // The connection gave up because the session is dead (revoked, refresh token gone).
    c.on('error', (e) => {
      if (SESSION_LOST.has(e.code) && (e.code !== 'unauthenticated' || !c.session)) {
        this.#sessionLost();
      }
    });
    window.addEventListener('offline', () => c.disconnect());
    window.addEventListener('online', () => this.connect());
    document.addEventListener('visibilitychange', () => {
      if (this.auth === 'signed-in') {
        c.setPresence(document.visibilityState === 'hidden' ? 'away' : 'online');
      }
    });
  }

  #onEvent(ev: ConvEvent): void {
    const log = this.#logs.get(ev.conv);
    if (ev.kind === 'message') {
      this.typing.set(ev.conv, ev.sender, false);
      if (ev.sender === this.me) {
        for (const [cid, m] of this.outbox) {
          if (m.conv === ev.conv && cid === ev.cid && m.state === 'sent') this.outbox.delete(cid);
        }
        this.signals.bump('outbox');
      }
    }
    if (ev.kind === 'member' && this.members.has(ev.conv)) void this.loadMembers(ev.conv);
    if (log?.apply(ev)) this.signals.bump(`log:${ev.conv}`);
  }

  // --- workspaces ------------------------------------------------------------------------

  async loadWorkspaces(): Promise<void> {
    const { workspaces } = await this.client.api.listWorkspaces();
    this.workspaces = workspaces;
    if (!workspaces.some((w) => w.id === this.workspaceId)) {
      this.selectWorkspace(workspaces[0]?.id ?? null);
    }
    this.signals.bump('workspaces');
  }

  selectWorkspace(id: string | null): void {
    this.workspaceId = id;
    if (id) local.set('parley.ws', id);
    this.signals.bump('workspaces');
  }

  async createWorkspace(name: string): Promise<Workspace> {
    const w = await this.client.api.createWorkspace(name);
    await this.loadWorkspaces();
    this.selectWorkspace(w.id);
    return w;
  }

  async joinInvite(code: string): Promise<Workspace> {
    const w = await this.client.api.joinInvite(code);
    await this.loadWorkspaces();
    this.selectWorkspace(w.id);
    return w;
  }

  // --- messages --------------------------------------------------------------------------

  /** The message log of a conversation; the first call loads its newest page. */
  log(conv: string): MessageLog {
    let log = this.#logs.get(conv);
    if (!log) {
      log = new MessageLog();
      this.#logs.set(conv, log);
      void this.loadOlder(conv);
      void this.loadMembers(conv);
    }
    return log;
  }

  isLoading(conv: string): boolean {
    return this.#loading.has(conv);
  }

  async loadOlder(conv: string): Promise<void> {
    const log = this.#logs.get(conv);
    if (!log?.hasMore || this.#loading.has(conv)) return;
    const before = log.oldestSeq ?? (this.client.conversation(conv)?.last_seq ?? 0) + 1;
    if (before <= 1) {
      log.hasMore = false;
      this.signals.bump(`log:${conv}`);
      return;
    }
    this.#loading.add(conv);
    this.signals.bump(`log:${conv}`);
    try {
      const page = await this.client.history(conv, { before, limit: PAGE });
      log.addHistory(page.events, page.more);
      this.#dropSentOutbox(conv, log);
    } catch {
      // offline or forbidden: the list stays as it is; scrolling up tries again
    } finally {
      this.#loading.delete(conv);
      this.signals.bump(`log:${conv}`);
    }
  }

  async loadThread(conv: string, root: string): Promise<void> {
    const log = this.log(conv);
    try {
      const page = await this.client.history(conv, { thread: root, limit: 500 });
      log.addMessages(page.events);
      this.signals.bump(`log:${conv}`);
    } catch {
      // shown from what is loaded
    }
  }

  async loadMembers(conv: string): Promise<void> {
    try {
      const { members } = await this.client.api.conversationMembers(conv);
      this.members.set(conv, members);
      this.users.add(members.map((m) => m.user));
      const log = this.#logs.get(conv);
      for (const m of members) log?.setRead(m.user.id, m.read_seq);
      this.signals.bump(`members:${conv}`);
      this.signals.bump(`log:${conv}`);
    } catch {
      // not a member (yet), or offline
    }
  }

  #dropSentOutbox(conv: string, log: MessageLog): void {
    for (const [cid, m] of this.outbox) {
      if (m.conv === conv && m.state === 'sent' && m.id && log.get(m.id)) this.outbox.delete(cid);
    }
  }

  send(conv: string, text: string, opts: SendOptions = {}): void {
    const m = this.client.send(conv, text, opts);
    this.outbox.set(m.cid, m);
    this.signals.bump('outbox');
    this.client.typing(conv, false);
  }

  retry(cid: string): void {
    this.client.retry(cid);
  }

  discard(cid: string): void {
    if (this.client.discard(cid)) {
      this.outbox.delete(cid);
      this.signals.bump('outbox');
    }
  }

  /** Unsent (and just-sent) messages of a conversation, oldest first. */
  outboxOf(conv: string, threadRoot: string | null = null): OutboxMessage[] {
    return [...this.outbox.values()]
      .filter((m) => m.conv === conv && (m.thread_root ?? null) === threadRoot)
      .sort((a, b) => a.created_at - b.created_at);
  }

  /**
   * Marks the conversation read up to its newest event, when a message is newer than my read
   * marker (a read marker is an event itself, so comparing with last_seq alone would loop).
   */
  markRead(conv: string): void {
    const v = this.client.conversation(conv);
    const last = v?.last_message;
    const newer = last !== undefined && last.sender !== this.me && last.seq > v!.read_seq;
    if (!v || (v.unread === 0 && !newer)) return;
    this.client.markRead(conv, v.last_seq).catch(() => {});
  }

  // --- drafts ------------------------------------------------------------------------------

  draft(conv: string): string {
    return local.get(`parley.draft.${conv}`) ?? '';
  }

  saveDraft(conv: string, text: string): void {
    if (text) local.set(`parley.draft.${conv}`, text);
    else local.remove(`parley.draft.${conv}`);
  }
}
