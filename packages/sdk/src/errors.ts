import { type ErrorCode, isErrorCode, ParleyError } from '@parley/protocol';

/** A ParleyError from an error body (HTTP answer or `error` frame), or from a bare status. */
export function errorFromBody(body: unknown, status?: number): ParleyError {
  if (body && typeof body === 'object' && 'code' in body && typeof body.code === 'string') {
    const b = body as { code: string; message?: unknown; retry_after_ms?: unknown };
    if (isErrorCode(b.code)) {
      const msg = typeof b.message === 'string' ? b.message : undefined;
      const retry = typeof b.retry_after_ms === 'number' ? b.retry_after_ms : undefined;
      return new ParleyError(b.code, msg, retry);
    }
  }
  return new ParleyError(codeForStatus(status ?? 500), `HTTP ${status ?? '?'}`);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'invalid_frame';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'message_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 500) return 'internal';
  return 'unavailable';
}

/** Any thrown value as a ParleyError (unknown errors become 'internal'). */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('internal', err instanceof Error ? err.message : String(err));
}
