/// <reference path="./oidc-provider-module.d.ts" />
/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 for the sign-in tests, with an
 * interaction handler that signs in whichever account the test chose (no HTML forms), and a
 * browser-like driver that follows redirects with a cookie jar per origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account the next sign-in at the provider becomes. */
  signInAs(account: TestAccount): void;
  close(): Promise<void>;
}

export async function startProvider(redirectUri: string): Promise<TestProvider> {
  const accounts = new Map<string, TestAccount>();
  let next: TestAccount | undefined;
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'parley-test';
  const clientSecret = 'parley-test-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    scopes: ['openid', 'email', 'profile'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    findAccount: (_ctx: unknown, id: string) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: () => ({ ...a }) };
    },
    conformIdTokenClaims: false,
    cookies: { keys: ['parley-test-cookie-key'] },
  });
  const handler = provider.callback();
  server.on('request', async (req, res) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (!m) {
      handler(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        const a = next;
        if (!a) throw new Error('signInAs() was not called');
        accounts.set(a.sub, a);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: a.sub } },
          {
            mergeWithLastSubmission: false,
          },
        );
      } else {
        const grant = new provider.Grant({
          accountId: details.session?.accountId ?? '',
          clientId,
        });
        grant.addOIDCScope(String(details.params.scope ?? 'openid'));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          {
            mergeWithLastSubmission: true,
          },
        );
      }
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(a) {
      next = a;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A browser: follows redirects by hand, with cookies per origin. */
export class Browser {
  private jars = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new Map();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  /** One request, keeping cookies; does not follow redirects. */
  async fetch(url: string): Promise<Response> {
    const u = new URL(url);
    const jar = this.cookies(u.origin);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const sc of res.headers.getSetCookie()) {
      const [pair = ''] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(sc) || /expires=Thu, 01 Jan 1970/i.test(sc) || value === '')
        jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `url` until one leads to `stopAt` (a URL prefix) and returns that
   * URL without requesting it.
   */
  async follow(url: string, stopAt: string): Promise<string> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      if (current.startsWith(stopAt)) return current;
      const res = await this.fetch(current);
      const loc = res.headers.get('location');
      if (!loc || res.status < 300 || res.status >= 400) {
        throw new Error(`no redirect from ${current}: ${res.status} ${await res.text()}`);
      }
      current = new URL(loc, current).href;
    }
    throw new Error('too many redirects');
  }
}
