/**
 * Documented limits of the protocol. Text lengths are counted in Unicode code points
 * (what `[...text].length` counts in JavaScript), never in UTF-16 units or bytes, so that a
 * Korean or emoji message has the same limit as an English one.
 */
export const LIMITS = {
  /** Largest WebSocket frame the server reads, in bytes (larger: close 4101). */
  maxFrameBytes: 64 * 1024,
  /** Longest message text, in code points. */
  maxTextCodePoints: 4000,
  /** Longest client message id, in characters (ASCII printable). */
  maxClientIdChars: 64,
  /** Username: 3-32 code points after NFC normalization, lower-cased; letters, digits, _ . - */
  minUsername: 3,
  maxUsername: 32,
  /** Passwords: 8-256 code points. */
  minPassword: 8,
  maxPassword: 256,
  /** Display names, workspace names, channel and group titles: 1-80 code points. */
  maxName: 80,
  /** Reaction emoji: 1-32 code points. */
  maxEmoji: 32,
  /** Members added in one create-group request. */
  maxGroupInitialMembers: 256,
  /** Events per history or sync page (default 100). */
  maxPage: 500,
  defaultPage: 100,
} as const;

/** Length of a string in Unicode code points. */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
