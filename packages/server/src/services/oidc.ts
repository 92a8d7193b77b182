import { createHash } from 'node:crypto';
import { ParleyError, type Session } from '@parley/protocol';
import * as oidc from 'openid-client';
import type { AccountStore } from '../ports/store.js';
import { secret } from '../util/ids.js';
import type { AuthService } from './auth.js';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  /** The callback URL registered at the provider (a function: known once the server listens). */
  redirectUrl: () => string;
  scopes: string;
  /** Allow an http: issuer (tests and local development). */
  allowHttp: boolean;
  /** Lifetime of a started sign-in (state, nonce, PKCE verifier). Default 10 minutes. */
  stateTtlMs?: number;
  /** Lifetime of the one-time login code handed to the app. Default 60 s. */
  codeTtlMs?: number;
}

/** What the provider said about the user, after the ID token was verified. */
export interface ExternalIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
}

interface PendingSignIn {
  verifier: string;
  nonce: string;
  device: string;
  returnTo: string;
}

const STATE = 'oidc-state';
const CODE = 'oidc-code';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A same-origin path to return to; anything else (other origins, `//host`) becomes `/`. */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 512) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f]/.test(raw)) return '/';
  return raw;
}

/**
 * OpenID Connect sign-in: authorization code flow with PKCE (S256), state and nonce, through
 * openid-client. The state, nonce and verifier are kept server-side (one-time tickets in the
 * store, so any node of a cluster can finish the flow) for `stateTtlMs`; the browser holds only
 * the state, in the URL and in an HttpOnly cookie that the callback compares (login CSRF).
 * A finished sign-in hands the app a one-time code (`codeTtlMs`) that it exchanges for a Parley
 * session, so no token ever travels in a URL.
 */
export class OidcService {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(
    private readonly store: AccountStore,
    private readonly auth: AuthService,
    private readonly opts: OidcOptions,
  ) {}

  private discover(): Promise<oidc.Configuration> {
    this.config ??= oidc
      .discovery(
        new URL(this.opts.issuer),
        this.opts.clientId,
        this.opts.clientSecret,
        undefined,
        this.opts.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        this.config = undefined;
        throw new ParleyError('unavailable', `identity provider discovery failed: ${String(e)}`);
      });
    return this.config;
  }

  /** The callback URL as the provider redirected to it: the configured one with `search`. */
  callbackUrl(search: string): URL {
    const u = new URL(this.opts.redirectUrl());
    u.search = search;
    return u;
  }

  /** Starts a sign-in: the provider URL to redirect to, and the state for the cookie. */
  async start(params: { deviceName?: string; returnTo?: string }): Promise<{
    url: string;
    state: string;
  }> {
    const config = await this.discover();
    const state = oidc.randomState();
    const pending: PendingSignIn = {
      verifier: oidc.randomPKCECodeVerifier(),
      nonce: oidc.randomNonce(),
      device: (params.deviceName ?? '').slice(0, 100),
      returnTo: safeReturnTo(params.returnTo),
    };
    await this.store.putTicket({
      id: sha256(state),
      kind: STATE,
      data: JSON.stringify(pending),
      expires_at: Date.now() + (this.opts.stateTtlMs ?? 600_000),
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.opts.redirectUrl(),
      scope: this.opts.scopes,
      state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a sign-in at the callback URL: checks the state against the cookie and takes it
   * (once), redeems the code with the PKCE verifier, verifies the ID token (nonce, issuer,
   * audience, signature), links or creates the account, and returns where to send the browser
   * with a one-time login code.
   */
  async callback(
    currentUrl: URL,
    cookieState: string | undefined,
  ): Promise<{ returnTo: string; code: string }> {
    const state = currentUrl.searchParams.get('state');
    if (!state || !cookieState || state !== cookieState)
      throw new ParleyError('oidc_state_invalid');
    const data = await this.store.takeTicket(sha256(state), STATE, Date.now());
    if (data === null) throw new ParleyError('oidc_state_invalid');
    const pending = JSON.parse(data) as PendingSignIn;
    const config = await this.discover();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (e) {
      throw new ParleyError(
        'oidc_failed',
        `the identity provider refused the sign-in: ${errText(e)}`,
      );
    }
    if (!claims) throw new ParleyError('oidc_failed', 'no ID token');
    const identity: ExternalIdentity = {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email.toLowerCase() : null,
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
      preferredUsername:
        typeof claims.preferred_username === 'string' ? claims.preferred_username : null,
    };
    const user = await this.auth.resolveExternal(identity);
    const code = secret(32);
    await this.store.putTicket({
      id: sha256(code),
      kind: CODE,
      data: JSON.stringify({ user: user.id, device: pending.device }),
      expires_at: Date.now() + (this.opts.codeTtlMs ?? 60_000),
    });
    return { returnTo: pending.returnTo, code };
  }

  /** Exchanges a one-time login code for a Parley session. */
  async exchange(code: string): Promise<Session> {
    const data = await this.store.takeTicket(sha256(code), CODE, Date.now());
    if (data === null) throw new ParleyError('oidc_state_invalid', 'unknown or used login code');
    const { user, device } = JSON.parse(data) as { user: string; device: string };
    return this.auth.sessionFor(user, device);
  }
}

function errText(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { error?: unknown; code?: unknown; message?: unknown };
    return String(o.error ?? o.code ?? o.message ?? 'error');
  }
  return String(e);
}
