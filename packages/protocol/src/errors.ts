/**
 * The one registry of error codes, shared by the server and the SDK.
 *
 * Every error a client can see has a stable string `code`. The registry tells:
 * - `status`: the HTTP status the HTTP API answers with;
 * - `retry`: whether the same request may succeed if sent again later (after `retry_after_ms`
 *   when the error carries one) — the SDK's outbox retries only these;
 * - `close`: when the error ends a WebSocket, the close code used (absent: the socket stays open);
 * - `reconnect`: whether a client whose socket was closed with that code should reconnect.
 *
 * WebSocket close codes: 4000-4099 mean "reconnect (after fixing what the code says)",
 * 4100-4199 mean "do not reconnect automatically". See docs/protocol.md.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly retry: boolean;
  readonly close?: number;
  readonly reconnect?: boolean;
  readonly message: string;
}

export const ERRORS = {
  // --- input -------------------------------------------------------------------------------
  malformed_frame: { status: 400, retry: false, message: 'The frame is not valid JSON text.' },
  unknown_type: { status: 400, retry: false, message: 'The frame type is not known.' },
  invalid_frame: {
    status: 400,
    retry: false,
    message: 'A field of the frame or request is missing or has the wrong type or value.',
  },
  frame_too_large: {
    status: 413,
    retry: false,
    close: 1009,
    reconnect: false,
    message: 'The WebSocket frame is larger than the server accepts.',
  },
  invalid_request: {
    status: 400,
    retry: false,
    message: 'The HTTP request body or query is malformed or has a field of the wrong type.',
  },
  payload_too_large: {
    status: 413,
    retry: false,
    message: 'The HTTP request body is larger than the server accepts.',
  },
  binary_not_supported: {
    status: 400,
    retry: false,
    message: 'Binary WebSocket frames are not accepted; send JSON text frames.',
  },
  message_too_large: {
    status: 413,
    retry: false,
    message: 'The message text is longer than the documented limit.',
  },
  frame_too_deep: {
    status: 400,
    retry: false,
    message: 'The JSON frame or body is nested deeper than the server accepts.',
  },
  too_many_errors: {
    status: 400,
    retry: false,
    close: 4102,
    reconnect: false,
    message: 'Too many invalid frames on this connection.',
  },
  // --- authentication ------------------------------------------------------------------------
  auth_required: {
    status: 401,
    retry: false,
    close: 4001,
    reconnect: true,
    message: 'The first frame on a WebSocket must be `auth`.',
  },
  unauthenticated: {
    status: 401,
    retry: false,
    close: 4001,
    reconnect: true,
    message: 'The access token is missing or invalid.',
  },
  token_expired: {
    status: 401,
    retry: false,
    close: 4002,
    reconnect: true,
    message: 'The access token has expired; refresh it and reconnect.',
  },
  auth_timeout: {
    status: 408,
    retry: false,
    close: 4003,
    reconnect: true,
    message: 'No `auth` frame arrived in time.',
  },
  invalid_credentials: {
    status: 401,
    retry: false,
    message: 'The username or password is wrong.',
  },
  invalid_refresh_token: {
    status: 401,
    retry: false,
    message: 'The refresh token is unknown, expired or revoked; sign in again.',
  },
  refresh_token_reused: {
    status: 401,
    retry: false,
    message: 'A refresh token was used twice; every session of that device was revoked.',
  },
  session_revoked: {
    status: 401,
    retry: false,
    close: 4103,
    reconnect: false,
    message: 'The session was signed out or the account disabled.',
  },
  oidc_state_invalid: {
    status: 400,
    retry: false,
    message:
      'The sign-in state is unknown, expired, used already or not from this browser; start again.',
  },
  oidc_failed: {
    status: 401,
    retry: false,
    message: 'The identity provider did not confirm the sign-in; start again.',
  },
  // --- authorization and state ---------------------------------------------------------------
  forbidden: { status: 403, retry: false, message: 'You may not do this.' },
  not_found: { status: 404, retry: false, message: 'No such resource, or you may not see it.' },
  conflict: { status: 409, retry: false, message: 'The resource exists already.' },
  username_taken: { status: 409, retry: false, message: 'That username is taken.' },
  invalid_invite: { status: 404, retry: false, message: 'The invite code is unknown or expired.' },
  // --- load ----------------------------------------------------------------------------------
  rate_limited: {
    status: 429,
    retry: true,
    message: 'Too many requests; wait for retry_after_ms and try again.',
  },
  too_many_connections: {
    status: 429,
    retry: true,
    close: 4010,
    reconnect: true,
    message: 'Too many open connections for this address or account; close some or retry later.',
  },
  rate_limit_exceeded: {
    status: 429,
    retry: true,
    close: 4029,
    reconnect: true,
    message: 'The client kept sending over its rate limit; reconnect later with backoff.',
  },
  slow_consumer: {
    status: 503,
    retry: true,
    close: 4008,
    reconnect: true,
    message: 'The client read too slowly and its send buffer overflowed; resume from the cursor.',
  },
  server_draining: {
    status: 503,
    retry: true,
    close: 4009,
    reconnect: true,
    message: 'The server is shutting down; reconnect (to another node) and resume.',
  },
  unavailable: {
    status: 503,
    retry: true,
    message: 'A service the server needs is unavailable; retry shortly.',
  },
  internal: { status: 500, retry: true, message: 'An unexpected server error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** Close codes of the WebSocket, by error code, and the reverse lookup. */
export function errorForClose(closeCode: number): ErrorCode | undefined {
  for (const [code, spec] of Object.entries(ERRORS) as [ErrorCode, ErrorSpec][]) {
    if (spec.close === closeCode) return code;
  }
  return undefined;
}

/** Whether a client should reconnect after a close with this code. */
export function shouldReconnect(closeCode: number): boolean {
  if (closeCode >= 4100 && closeCode < 4200) return false;
  if (closeCode === 1008 || closeCode === 1009 || closeCode === 1003) return false;
  return true;
}

/** The error body of the HTTP API and of the `error` frame. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retry_after_ms?: number;
}

/** An error carrying a registry code; thrown by server code, raised by the SDK. */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  constructor(code: ErrorCode, message?: string, retryAfterMs?: number) {
    super(message ?? ERRORS[code].message);
    this.name = 'ParleyError';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  get retryable(): boolean {
    return ERRORS[this.code].retry;
  }
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retry_after_ms = this.retryAfterMs;
    return body;
  }
}

/** The WebSocket close code of an error code (1000 when the error does not close). */
export function closeCodeOf(code: ErrorCode): number {
  return (ERRORS[code] as ErrorSpec).close ?? 1000;
}
