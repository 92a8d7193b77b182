import { ParleyError } from '@parley/protocol';
import { errorFromBody } from './errors.js';

/** The `fetch` the SDK needs (the global one in browsers and Node 20). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What the HTTP client needs from the session. */
export interface TokenSource {
  accessToken(): Promise<string>;
  /** The server rejected `staleAccess`: refresh unless that happened already. */
  refresh(staleAccess: string): Promise<unknown>;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Send the bearer token (default true). */
  auth?: boolean;
}

/**
 * JSON over HTTP under `<baseUrl>/v1`. Errors come out as ParleyError with the registry code;
 * a network failure is 'unavailable'. An authenticated request rejected with 401
 * (unauthenticated / token_expired) is retried once after a (shared) token refresh.
 */
export class HttpClient {
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #tokens: TokenSource;

  constructor(baseUrl: string, fetch: FetchLike, tokens: TokenSource) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#fetch = fetch;
    this.#tokens = tokens;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    if (opts.auth === false) return this.#once<T>(method, path, opts, undefined);
    const token = await this.#tokens.accessToken();
    try {
      return await this.#once<T>(method, path, opts, token);
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
      if (err.code !== 'unauthenticated' && err.code !== 'token_expired') throw err;
      await this.#tokens.refresh(token);
      return this.#once<T>(method, path, opts, await this.#tokens.accessToken());
    }
  }

  async #once<T>(method: string, path: string, opts: RequestOptions, token?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path + queryString(opts.query), init);
    } catch (err) {
      throw new ParleyError('unavailable', `Network error: ${(err as Error)?.message ?? err}`);
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) throw errorFromBody(body, res.status);
    return body as T;
  }
}

function queryString(q: RequestOptions['query']): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
