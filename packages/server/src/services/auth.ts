import { createHash } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import {
  type LoginBody,
  ParleyError,
  type RegisterBody,
  type Session,
  type User,
} from '@parley/protocol';
import type { AccountStore, UserRecord } from '../ports/store.js';
import { newId, secret } from '../util/ids.js';
import { cleanName, normalizeUsername } from '../util/text.js';
import type { ExternalIdentity } from './oidc.js';
import type { AccessClaims, TokenService } from './tokens.js';

/** Called when a device or a whole account must lose its live connections. */
export type RevokeListener = (userId: string, deviceId: string | null) => void;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function publicUser(u: UserRecord | User): User {
  return { id: u.id, username: u.username, display_name: u.display_name, created_at: u.created_at };
}

/**
 * Accounts and sessions: argon2id passwords, EdDSA access tokens, rotating refresh tokens stored
 * hashed; a refresh token used twice revokes its whole family (every token of that login).
 */
export class AuthService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly store: AccountStore,
    private readonly tokens: TokenService,
    private readonly opts: { refreshTtlS: number; onRevoke: RevokeListener },
  ) {}

  async register(body: RegisterBody): Promise<Session> {
    const username = normalizeUsername(body.username);
    const display = cleanName(body.display_name ?? body.username);
    const password_hash = await argonHash(body.password);
    const user = await this.store.createUser({
      id: newId('u'),
      username,
      display_name: display || username,
      password_hash,
    });
    return this.newSession(user, body.device_name);
  }

  /** Creates a user without a session (CLI `parley user create`). */
  async createUser(username: string, password: string, displayName?: string): Promise<User> {
    const u = await this.store.createUser({
      id: newId('u'),
      username: normalizeUsername(username),
      display_name: cleanName(displayName ?? username) || username,
      password_hash: await argonHash(password),
    });
    return publicUser(u);
  }

  async login(body: LoginBody): Promise<Session> {
    let username: string;
    try {
      username = normalizeUsername(body.username);
    } catch {
      throw new ParleyError('invalid_credentials');
    }
    const user = await this.store.getUserByUsername(username);
    if (!user?.password_hash || user.disabled) {
      // Spend the same time as a real check so that timing does not reveal who exists.
      this.dummyHash ??= argonHash('parley-dummy-password');
      await argonVerify(await this.dummyHash, body.password).catch(() => false);
      throw new ParleyError('invalid_credentials');
    }
    const ok = await argonVerify(user.password_hash, body.password).catch(() => false);
    if (!ok) throw new ParleyError('invalid_credentials');
    return this.newSession(user, body.device_name);
  }

  async refresh(refreshToken: string): Promise<Session> {
    const res = await this.store.useRefreshToken(sha256(refreshToken), Date.now());
    if (res.status === 'invalid') throw new ParleyError('invalid_refresh_token');
    if (res.status === 'reused') {
      await this.store.revokeFamily(res.token.family);
      await this.store.revokeDevice(res.token.device_id);
      this.opts.onRevoke(res.token.user_id, res.token.device_id);
      throw new ParleyError('refresh_token_reused');
    }
    const { user_id, device_id, family } = res.token;
    const [user, device] = await Promise.all([
      this.store.getUser(user_id),
      this.store.getDevice(device_id),
    ]);
    if (!user || user.disabled || !device || device.revoked_at !== null) {
      throw new ParleyError('invalid_refresh_token');
    }
    return this.issue(user, device_id, family);
  }

  /** Signs out one device: its refresh tokens are deleted and its sockets closed. */
  async logout(claims: AccessClaims): Promise<void> {
    await this.store.revokeDevice(claims.did);
    this.opts.onRevoke(claims.sub, claims.did);
  }

  /** Signs out every device of the user. */
  async logoutAll(userId: string): Promise<void> {
    await this.store.revokeAllDevices(userId);
    this.opts.onRevoke(userId, null);
  }

  /**
   * Disables an account (instance admin): it can no longer sign in or refresh, and every device
   * is signed out at once, which closes its sockets with 4103 `session_revoked`.
   */
  async disable(userId: string): Promise<void> {
    const u = await this.store.getUser(userId);
    if (!u) throw new ParleyError('not_found', 'no such user');
    await this.store.updateUser(userId, { disabled: true });
    await this.logoutAll(userId);
  }

  /** Enables a disabled account again (its user signs in anew). */
  async enable(userId: string): Promise<void> {
    const u = await this.store.getUser(userId);
    if (!u) throw new ParleyError('not_found', 'no such user');
    await this.store.updateUser(userId, { disabled: false });
  }

  /** Verifies an access token and that its device and account are still active. */
  async authenticate(token: string): Promise<AccessClaims> {
    const claims = await this.tokens.verify(token);
    const device = await this.store.getDevice(claims.did);
    if (!device || device.revoked_at !== null || device.user_id !== claims.sub) {
      throw new ParleyError('session_revoked');
    }
    return claims;
  }

  /**
   * The account of an external (OIDC) identity: the one linked to (issuer, subject); else, when
   * the provider verified the email, the account linked to that email by an earlier identity;
   * else a new account (no password) named after the identity. The link is stored.
   */
  async resolveExternal(id: ExternalIdentity): Promise<UserRecord> {
    let link = await this.store.getIdentity(id.issuer, id.subject);
    if (!link) {
      const email = id.email && id.emailVerified ? id.email : null;
      let userId = email ? (await this.store.findIdentityByEmail(email))?.user_id : undefined;
      if (!userId) userId = (await this.createExternalUser(id)).id;
      try {
        link = await this.store.linkIdentity({
          issuer: id.issuer,
          subject: id.subject,
          user_id: userId,
          email,
        });
      } catch (e) {
        // two sign-ins of a new identity at once: the first link wins
        if (!(e instanceof ParleyError && e.code === 'conflict')) throw e;
        link = await this.store.getIdentity(id.issuer, id.subject);
        if (!link) throw e;
      }
    }
    const user = await this.store.getUser(link.user_id);
    if (!user) throw new ParleyError('oidc_failed', 'linked account is gone');
    if (user.disabled) throw new ParleyError('forbidden', 'the account is disabled');
    return user;
  }

  /** A new session (device) for a user resolved by another sign-in method (OIDC). */
  async sessionFor(userId: string, deviceName: string): Promise<Session> {
    const user = await this.store.getUser(userId);
    if (!user || user.disabled) throw new ParleyError('forbidden', 'the account is disabled');
    return this.newSession(user, deviceName);
  }

  private async createExternalUser(id: ExternalIdentity): Promise<UserRecord> {
    const raw = id.preferredUsername ?? id.email?.split('@')[0] ?? 'user';
    let base = raw
      .normalize('NFC')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_.-]+/gu, '')
      .slice(0, 24);
    if ([...base].length < 3) base = `user${base}`;
    const display = cleanName(id.name ?? id.preferredUsername ?? base);
    for (let attempt = 0; ; attempt++) {
      const username = attempt === 0 ? base : `${base}${secret(3).slice(0, 5)}`;
      try {
        return await this.store.createUser({
          id: newId('u'),
          username: normalizeUsername(username),
          display_name: [...display].slice(0, 80).join('') || username,
          password_hash: null,
        });
      } catch (e) {
        if (!(e instanceof ParleyError && e.code === 'username_taken') || attempt >= 5) throw e;
      }
    }
  }

  private async newSession(user: UserRecord, deviceName: string | undefined): Promise<Session> {
    const device = await this.store.createDevice({
      id: newId('d'),
      user_id: user.id,
      name: (deviceName ?? '').slice(0, 100),
    });
    return this.issue(user, device.id, newId('f'));
  }

  private async issue(user: UserRecord, deviceId: string, family: string): Promise<Session> {
    const refresh = secret(32);
    await this.store.putRefreshToken({
      hash: sha256(refresh),
      user_id: user.id,
      device_id: deviceId,
      family,
      expires_at: Date.now() + this.opts.refreshTtlS * 1000,
    });
    return {
      user: publicUser(user),
      device_id: deviceId,
      access_token: await this.tokens.sign({ sub: user.id, did: deviceId }),
      expires_in: this.tokens.ttlSeconds,
      refresh_token: refresh,
    };
  }
}
