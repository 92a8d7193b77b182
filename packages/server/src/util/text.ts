import { codePoints, LIMITS, ParleyError } from '@parley/protocol';

const USERNAME = /^[\p{L}\p{N}_.-]+$/u;

/**
 * Normalizes a username for use as an identifier: NFC, trimmed, lower-cased. Throws
 * `invalid_request` when it is not 3-32 code points of letters, digits, `_`, `.` or `-`.
 */
export function normalizeUsername(raw: string): string {
  const u = raw.normalize('NFC').trim().toLowerCase();
  const n = codePoints(u);
  if (n < LIMITS.minUsername || n > LIMITS.maxUsername || !USERNAME.test(u)) {
    throw new ParleyError(
      'invalid_request',
      `username must be ${LIMITS.minUsername}-${LIMITS.maxUsername} letters, digits, _ . or -`,
    );
  }
  return u;
}

/** Trims a display name or title (stored as sent otherwise). */
export function cleanName(raw: string): string {
  return raw.trim();
}

const MENTION = /(?:^|[^\p{L}\p{N}_.-])@([\p{L}\p{N}_.-]{3,32})/gu;

/** The distinct usernames written as @name in a text (normalized), at most 20. */
export function parseMentions(text: string): string[] {
  if (!text.includes('@')) return [];
  const out = new Set<string>();
  for (const m of text.matchAll(MENTION)) {
    const name = m[1]!
      .normalize('NFC')
      .toLowerCase()
      .replace(/[.-]+$/, '');
    if (name.length >= 3) out.add(name);
    if (out.size >= 20) break;
  }
  return [...out];
}
