import { ParleyError } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OidcService } from '../services/oidc.js';
import type { Services } from './app.js';
import { parse } from './common.js';

export interface OidcRoutesOptions {
  service: OidcService;
  /** Set the cookie with `Secure` (the public URL is https). */
  secureCookie: boolean;
}

const COOKIE = 'parley_oidc';
const ExchangeBody = z.object({ code: z.string().min(1).max(128) });
const StartQuery = z.object({
  return_to: z.string().max(512).optional(),
  device_name: z.string().max(100).optional(),
});

function cookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * OIDC sign-in: `start` redirects to the provider; the provider redirects to `callback`, which
 * redirects to the app with `#oidc_code=<one-time code>`; the app posts it to `exchange` and gets
 * a Session. Without OIDC configured, every route answers 404 `not_found`.
 */
export function oidcRoutes(
  app: FastifyInstance,
  _svc: Services,
  opts: OidcRoutesOptions | undefined,
): void {
  const need = (): OidcService => {
    if (!opts) throw new ParleyError('not_found', 'OIDC sign-in is not configured');
    return opts.service;
  };
  const attrs = (maxAge: number) =>
    `HttpOnly; SameSite=Lax; Path=/v1/auth/oidc; Max-Age=${maxAge}${opts?.secureCookie ? '; Secure' : ''}`;

  // Which sign-in methods this server offers (the web app shows an SSO button when oidc is on).
  app.get('/v1/auth/providers', async () => ({ password: true, oidc: opts !== undefined }));

  app.get('/v1/auth/oidc/start', async (req, reply) => {
    const oidc = need();
    const q = parse(StartQuery, req.query);
    const { url, state } = await oidc.start({
      ...(q.device_name !== undefined && { deviceName: q.device_name }),
      ...(q.return_to !== undefined && { returnTo: q.return_to }),
    });
    reply.header('set-cookie', `${COOKIE}=${state}; ${attrs(600)}`);
    reply.header('cache-control', 'no-store');
    return reply.redirect(url, 302);
  });

  app.get('/v1/auth/oidc/callback', async (req, reply) => {
    const oidc = need();
    const url = new URL(req.url, 'http://callback.invalid');
    if (url.searchParams.has('error')) {
      throw new ParleyError(
        'oidc_failed',
        `the identity provider answered ${String(url.searchParams.get('error')).slice(0, 64)}`,
      );
    }
    const current = oidc.callbackUrl(url.search);
    const { returnTo, code } = await oidc.callback(current, cookie(req, COOKIE));
    reply.header('set-cookie', `${COOKIE}=; ${attrs(0)}`);
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    return reply.redirect(`${returnTo}#oidc_code=${encodeURIComponent(code)}`, 302);
  });

  app.post('/v1/auth/oidc/exchange', async (req) => {
    const oidc = need();
    return oidc.exchange(parse(ExchangeBody, req.body).code);
  });
}
